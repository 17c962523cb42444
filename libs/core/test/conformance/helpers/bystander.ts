// A well-behaved official client that stays connected while a test attacks the server through
// other connections: after each attack it must still get answers, proving the process and the
// other clients carry on.
import assert from "node:assert/strict";
import type { Harness, ClientSocket } from "./harness.js";

export const ECHO_EVENT = "bystander:echo";

export interface Bystander {
  client: ClientSocket;
  /** Round-trips an ack through the server; fails if the bystander lost its connection. */
  assertAlive(): Promise<void>;
}

/** Installs an echo handler on the main namespace and connects one official client to it. */
export async function connectBystander(h: Harness): Promise<Bystander> {
  h.io.on("connection", (socket) => {
    socket.on(ECHO_EVENT, (value: unknown, ack: (v: unknown) => void) => {
      if (typeof ack === "function") ack(value);
    });
  });
  const { client } = await h.connect("/");
  let round = 0;
  return {
    client,
    async assertAlive() {
      assert.equal(client.connected, true, "the bystander client is still connected");
      const value = `round ${++round}`;
      assert.equal(await client.timeout(10_000).emitWithAck(ECHO_EVENT, value), value);
    },
  };
}
