// Disconnection reasons as both sides report them, the disconnecting event, connectTimeout.
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Harness, TRANSPORT_MODES, type ClientSocket, type ServerSocket } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { RawClient } from "./helpers/raw.js";
import { PollingSession, shortenReferenceCloseWait } from "./helpers/polling.js";
import { once, waitUntil } from "@sockline/e2e/support";

/** The reasons each side reports for one disconnection. */
async function reasons(client: ClientSocket, socket: ServerSocket, act: () => void) {
  const server = once<[string]>(socket, "disconnect", { what: "server-side disconnect" });
  const clientSide = once<[string]>(client, "disconnect", { what: "client-side disconnect" });
  act();
  const [[serverReason], [clientReason]] = await Promise.all([server, clientSide]);
  return { server: serverReason, client: clientReason };
}

for (const mode of TRANSPORT_MODES) {
  describe(`[${IMPL}] disconnect reasons over ${mode}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await Harness.start({}, mode);
    });
    afterEach(() => h.close());

    it('socket.disconnect(): "server namespace disconnect" / "io server disconnect"', async () => {
      const { client, socket } = await h.connect();
      assert.deepEqual(await reasons(client, socket, () => socket.disconnect()), {
        server: "server namespace disconnect",
        client: "io server disconnect",
      });
      assert.equal(socket.connected, false);
      assert.equal(socket.disconnected, true);
    });

    it("socket.disconnect(true) also closes the underlying connection", async () => {
      const { client, socket } = await h.connect();
      const engineClosed = once(client.io.engine, "close", { what: "engine close" });
      assert.deepEqual(await reasons(client, socket, () => socket.disconnect(true)), {
        server: "server namespace disconnect",
        client: "io server disconnect",
      });
      await engineClosed;
    });

    it('client.disconnect(): "client namespace disconnect" / "io client disconnect"', async () => {
      const { client, socket } = await h.connect();
      assert.deepEqual(await reasons(client, socket, () => client.disconnect()), {
        server: "client namespace disconnect",
        client: "io client disconnect",
      });
    });

    it('socket.conn.close(): "forced close" / "transport close"', async () => {
      const { client, socket } = await h.connect();
      assert.deepEqual(await reasons(client, socket, () => socket.conn.close()), {
        server: "forced close",
        client: "transport close",
      });
    });

    it('client engine closed: "transport close" / "forced close"', async () => {
      const { client, socket } = await h.connect();
      assert.deepEqual(await reasons(client, socket, () => client.io.engine.close()), {
        server: "transport close",
        client: "forced close",
      });
    });

    it('io.close(): "server shutting down" on the server; the client sees its transport close and may reconnect', async () => {
      const { client, socket } = await h.connect();
      const result = await reasons(client, socket, () => void h.io.close());
      assert.equal(result.server, "server shutting down");
      // The reference closes the transports without a DISCONNECT packet, so clients treat it as a
      // network loss and reconnect (what rolling restarts rely on).
      // Over polling the pending request fails instead: "transport error", also a network loss.
      assert.ok(["transport close", "transport error"].includes(result.client), `client reason: ${result.client}`);
    });

    it("disconnecting still sees the rooms; disconnect sees them emptied", async () => {
      const { client, socket } = await h.connect();
      socket.join(["room1", "room2"]);
      const atDisconnecting = new Promise<[string, Set<string>]>((resolve) =>
        socket.on("disconnecting", (reason: string) => resolve([reason, new Set(socket.rooms)])),
      );
      const atDisconnect = new Promise<number>((resolve) => socket.on("disconnect", () => resolve(socket.rooms.size)));
      client.disconnect();
      const [reason, rooms] = await atDisconnecting;
      assert.equal(reason, "client namespace disconnect");
      assert.deepEqual(rooms, new Set([socket.id, "room1", "room2"]));
      assert.equal(await atDisconnect, 0);
      assert.equal(h.io.of("/").adapter.rooms.has("room1"), false, "empty rooms are deleted");
    });

    it("a disconnected socket is removed from its namespace", async () => {
      const { client, socket } = await h.connect();
      const gone = once(socket, "disconnect");
      client.disconnect();
      await gone;
      assert.equal(h.io.of("/").sockets.has(socket.id), false);
      // the client closes its Engine.IO connection right after leaving its last namespace
      await waitUntil(() => h.io.engine.clientsCount === 0, "the Engine.IO connection to close");
    });
  });
}

describe(`[${IMPL}] timeouts`, () => {
  it('a client that stops answering pings is dropped with "ping timeout"', async () => {
    const h = await Harness.start({ pingInterval: 100, pingTimeout: 100 }, "websocket");
    try {
      const connection = once<[ServerSocket]>(h.io, "connection");
      const raw = await RawClient.connect(h.url, { answerPings: false });
      raw.sendPacket("0");
      assert.match(await raw.nextText("CONNECT response"), /^0\{"sid":"[^"]+"/);
      const [socket] = await connection;
      const [reason] = await once<[string]>(socket, "disconnect");
      assert.equal(reason, "ping timeout");
      await raw.waitClosed();
    } finally {
      await h.close();
    }
  });

  it('a stalled network: both sides report "ping timeout"', async () => {
    const h = await Harness.start({ pingInterval: 100, pingTimeout: 100 }, "websocket");
    try {
      const { client, socket } = await h.connect();
      // Stop reading the client's TCP socket: no ping reaches the client, no pong leaves it.
      const transport = client.io.engine.transport as unknown as { ws: { _socket: { pause(): void; destroy(): void } } };
      const tcp = transport.ws._socket;
      try {
        const result = await reasons(client, socket, () => tcp.pause());
        assert.deepEqual(result, { server: "ping timeout", client: "ping timeout" });
      } finally {
        // the client's closing handshake cannot complete on a paused socket: drop it
        tcp.destroy();
      }
    } finally {
      await h.close();
    }
  });

  it("socket.disconnect(true) on a polling client that went away: its session ends at the ping timeout", async () => {
    const h = await Harness.start({ pingInterval: 150, pingTimeout: 100 }, "polling");
    try {
      const connection = once<[ServerSocket]>(h.io, "connection");
      const session = await PollingSession.open(h.url);
      assert.equal((await session.post("40")).status, 200);
      assert.match((await session.poll()).body, /^40\{"sid"/);
      const [socket] = await connection;
      // the client is gone: no request of its is pending and none will come
      const engineClosed = once<[string]>(socket.conn, "close", { what: "the engine session to close" });
      shortenReferenceCloseWait(socket.conn);
      const disconnected = once<[string]>(socket, "disconnect");
      socket.disconnect(true);
      assert.equal((await disconnected)[0], "server namespace disconnect");
      assert.equal((await engineClosed)[0], "ping timeout");
      assert.equal(h.io.engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });

  it("a client that answers pings stays connected across several heartbeats", async () => {
    const h = await Harness.start({ pingInterval: 50, pingTimeout: 200 }, "websocket");
    try {
      const { client, socket } = await h.connect();
      // count a few heartbeats on the client, then check the socket is still up
      for (let i = 0; i < 3; i++) await once(client.io.engine, "ping");
      assert.equal(socket.connected, true);
      assert.equal(client.connected, true);
    } finally {
      await h.close();
    }
  });

  it("connectTimeout closes an Engine.IO connection that never joins a namespace", async () => {
    const h = await Harness.start({ connectTimeout: 100 }, "websocket");
    try {
      const raw = await RawClient.connect(h.url);
      // never send a CONNECT packet
      await raw.waitClosed("the server to close an idle connection after connectTimeout");
      const other = await h.connect();
      assert.equal(other.client.connected, true, "other clients are unaffected");
    } finally {
      await h.close();
    }
  });
});
