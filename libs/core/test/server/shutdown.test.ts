import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Socket } from "@sockline/core";
import { Fixture, once } from "./helpers.js";

/**
 * `io.close()` must reach every client cleanly, whatever its transport is doing. The reference
 * server (socket.io 4.8) ends a WebSocket session with "transport close" on the client, so that
 * it reconnects to the next server (a restart or a deploy); it does not send DISCONNECT packets
 * ("io server disconnect" would stop the client from reconnecting). What it gets wrong, and we
 * must not: a polling client whose GET is answered with a noop or cut ("xhr poll error", i.e.
 * "transport error"), and a client caught halfway through the upgrade, which hears nothing and
 * waits for its ping timeout.
 */

interface Outcome {
  clientReason: string;
  serverReason: string;
}

type Moment = (fx: Fixture, socket: Socket) => Promise<void>;

/** Waits for a condition the server reaches on its own (no time limit: the test timeout is the bound). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

async function shutDownAt(transports: ("polling" | "websocket")[], moment: Moment): Promise<Outcome> {
  const fx = await new Fixture().start();
  try {
    const serverSocket = once<Socket>(fx.io, "connection");
    const client = fx.client("/", { transports });
    const socket = await serverSocket;
    const clientReason = once<string>(client, "disconnect");
    const serverReason = once<string>(socket, "disconnect");
    await moment(fx, socket);
    return { clientReason: await clientReason, serverReason: await serverReason };
  } finally {
    await fx.close();
  }
}

/** Closes the server as soon as the client is connected (its next GET may not be there yet). */
const afterConnect: Moment = async (fx, socket) => {
  await until(() => socket.connected);
  await fx.io.close();
};

/** Closes the server while the client's GET is held open, waiting for data. */
const duringPendingGet: Moment = async (fx, socket) => {
  await until(() => socket.conn.transport.name === "polling" && socket.conn.transport.writable === true);
  await fx.io.close();
};

/** Closes the server right after it answered the probe: the client is pausing polling to upgrade. */
const midUpgrade: Moment = (fx, socket) =>
  new Promise((resolve, reject) => {
    socket.conn.once("upgrading", () => fx.io.close().then(resolve, reject));
  });

const cases: [string, ("polling" | "websocket")[], Moment][] = [
  ["a WebSocket client", ["websocket"], afterConnect],
  ["a polling client with a pending GET", ["polling"], duringPendingGet],
  ["a polling client right after it connected", ["polling"], afterConnect],
  ["a polling client that may upgrade, right after it connected", ["polling", "websocket"], afterConnect],
  ["a client halfway through the upgrade (probe answered, upgrade not sent)", ["polling", "websocket"], midUpgrade],
];

describe("io.close() tells every client, whatever its transport is doing", () => {
  for (const [label, transports, moment] of cases) {
    it(`${label}: "transport close" on the client, "server shutting down" on the server`, async () => {
      // a few rounds: the moments above race with the client's own requests
      for (let round = 0; round < 3; round++) {
        const outcome = await shutDownAt(transports, moment);
        assert.deepEqual(outcome, { clientReason: "transport close", serverReason: "server shutting down" }, `round ${round}`);
      }
    });
  }

  it('engine.closeGracefully() called from the "upgrading" listener itself still waits for the upgrade', async () => {
    for (let round = 0; round < 3; round++) {
      const fx = await new Fixture().start();
      try {
        const serverSocket = once<Socket>(fx.io, "connection");
        const client = fx.client("/", { transports: ["polling", "websocket"] });
        const socket = await serverSocket;
        const clientReason = once<string>(client, "disconnect");
        const engineClosed = new Promise<void>((resolve) => {
          socket.conn.once("upgrading", () => void fx.io.engine.closeGracefully().then(resolve));
        });
        await engineClosed;
        assert.equal(await clientReason, "transport close", `round ${round}`);
      } finally {
        await fx.close();
      }
    }
  });
});
