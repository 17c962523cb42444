/** The official engine.io-client (npm) against our engine: polling, websocket, upgrade, text and binary. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Socket as EngineSocket } from "@sockline/core/engine";
import { nextConnection, openClient, startServer, type TestServer } from "./helpers.js";

function collect(client: { on(event: "message", fn: (d: unknown) => void): unknown }, count: number): Promise<unknown[]> {
  return new Promise((resolve) => {
    const got: unknown[] = [];
    client.on("message", (data) => {
      got.push(data);
      if (got.length === count) resolve(got);
    });
  });
}

function collectServer(session: EngineSocket, count: number): Promise<unknown[]> {
  return new Promise((resolve) => {
    const got: unknown[] = [];
    session.on("message", (data) => {
      got.push(data);
      if (got.length === count) resolve(got);
    });
  });
}

const asBytes = (data: unknown): number[] => [...new Uint8Array(data as ArrayBuffer)];

describe("engine.io-client interop", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  for (const transport of ["polling", "websocket"] as const) {
    it(`${transport} only: connects, text and binary both ways`, async () => {
      const sessionP = nextConnection(server.engine);
      const client = await openClient(server, { transports: [transport] });
      try {
        const session = await sessionP;
        assert.equal(session.transport.name, transport);
        assert.equal(client.transport.name, transport);
        assert.equal(session.id, client.id);

        const fromClient = collectServer(session, 2);
        client.send("hello server");
        client.send(new Uint8Array([1, 2, 3, 250]));
        const [text, binary] = await fromClient;
        assert.equal(text, "hello server");
        assert.ok(Buffer.isBuffer(binary));
        assert.deepEqual([...(binary as Buffer)], [1, 2, 3, 250]);

        const fromServer = collect(client, 4);
        session.send("hello client");
        session.send(Buffer.from([9, 8, 7]));
        session.send(Uint8Array.from([6, 5]).buffer);
        session.send(new Uint8Array(Uint8Array.from([0, 4, 3, 0]).buffer, 1, 2));
        const [text2, binary2, arrayBuffer, view] = await fromServer;
        assert.equal(text2, "hello client");
        assert.deepEqual(asBytes(binary2), [9, 8, 7]);
        assert.deepEqual(asBytes(arrayBuffer), [6, 5]);
        assert.deepEqual(asBytes(view), [4, 3]);

        const closedP = new Promise<string>((resolve) => session.once("close", (reason) => resolve(reason)));
        client.close();
        assert.equal(await closedP, "transport close");
        assert.equal(session.id in server.engine.clients, false);
      } finally {
        client.close();
      }
    });
  }

  it("polling then upgrade to websocket, messages both ways after the upgrade", async () => {
    const sessionP = nextConnection(server.engine);
    const client = await openClient(server, { transports: ["polling", "websocket"] });
    try {
      const session = await sessionP;
      assert.equal(session.transport.name, "polling");
      await new Promise<void>((resolve) => session.once("upgrade", () => resolve()));
      assert.equal(session.transport.name, "websocket");
      assert.equal(session.upgraded, true);
      await new Promise<void>((resolve) => (client.transport.name === "websocket" ? resolve() : client.once("upgrade", () => resolve())));

      const fromServer = collect(client, 1);
      session.send(Buffer.from([1]));
      assert.deepEqual(asBytes((await fromServer)[0]), [1]);
      const fromClient = collectServer(session, 1);
      client.send("after upgrade");
      assert.deepEqual(await fromClient, ["after upgrade"]);
    } finally {
      client.close();
    }
  });

  it("no message lost or reordered when a burst is in flight during the upgrade", async () => {
    const sessionP = nextConnection(server.engine);
    const client = await openClient(server, { transports: ["polling", "websocket"] });
    try {
      const session = await sessionP;
      assert.equal(session.transport.name, "polling");
      const fromClient: unknown[] = [];
      const fromServer: unknown[] = [];
      session.on("message", (d) => fromClient.push(d));
      client.on("message", (d: unknown) => fromServer.push(d));
      let sentDuringUpgrade = 0;
      session.on("upgrading", () => (sentDuringUpgrade = -1));
      // keep both sides sending from before the probe until well after the upgrade packet
      let sent = 0;
      let ticksAfterUpgrade = 0;
      await new Promise<void>((resolve) => {
        const tick = () => {
          for (let i = 0; i < 5; i++, sent++) {
            session.send(`s${sent}`);
            client.send(`c${sent}`);
          }
          if (sentDuringUpgrade === -1 && !session.upgraded) sentDuringUpgrade = 0;
          if (session.upgrading) sentDuringUpgrade += 5;
          if (session.upgraded && client.transport.name === "websocket" && ++ticksAfterUpgrade > 20) return resolve();
          setTimeout(tick, 1);
        };
        tick();
      });
      await new Promise<void>((resolve) => {
        const check = () => (fromClient.length >= sent && fromServer.length >= sent ? resolve() : setTimeout(check, 5));
        check();
      });
      assert.ok(sentDuringUpgrade > 0, "some messages were sent while the upgrade was in progress");
      assert.deepEqual(
        fromClient,
        Array.from({ length: sent }, (_, i) => `c${i}`),
      );
      assert.deepEqual(
        fromServer,
        Array.from({ length: sent }, (_, i) => `s${i}`),
      );
      assert.equal(session.transport.name, "websocket");
    } finally {
      client.close();
    }
  });

  it("the server closes a session: the client sees it closed", async () => {
    const sessionP = nextConnection(server.engine);
    const client = await openClient(server, { transports: ["websocket"] });
    const session = await sessionP;
    const clientClosed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    const serverReason = new Promise<string>((resolve) => session.once("close", (r) => resolve(r)));
    session.send("last words");
    const lastWords = new Promise<unknown>((resolve) => client.once("message", resolve));
    session.close();
    assert.equal(await lastWords, "last words");
    assert.equal(await serverReason, "forced close");
    await clientClosed;
  });
});
