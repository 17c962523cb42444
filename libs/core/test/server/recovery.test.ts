import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Socket } from "@sockline/core";
import { Fixture, TRANSPORTS, once } from "./helpers.js";

for (const [label, transports] of Object.entries(TRANSPORTS)) {
  describe(`connection state recovery over ${label}`, () => {
    let fx: Fixture;
    before(async () => {
      fx = await new Fixture({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }).start();
    });
    after(() => fx.close());

    it("restores id, rooms and data and replays missed packets in order; a second restore starts fresh", async () => {
      const first = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports, reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 10 });
      const received: unknown[] = [];
      client.on("news", (n: unknown) => received.push(n));
      const socket = await first;
      await once(client, "connect");
      socket.join("room");
      socket.data = { user: "ann" };
      // One packet while connected, so the client holds an offset.
      fx.io.emit("news", 0);
      await new Promise<void>((resolve) => client.once("news", () => resolve()));

      const serverGone = once<string>(socket, "disconnect");
      // An unexpected disconnection: the transport dies without a DISCONNECT packet.
      (client.io as unknown as { engine: { close(): void } }).engine.close();
      assert.equal(await serverGone, "transport close");
      fx.io.to("room").emit("news", 1);
      fx.io.emit("news", 2);
      fx.io.to("elsewhere").emit("news", "not for us");
      fx.io.volatile.emit("news", "volatile is not replayed");

      const second = once<Socket>(fx.io, "connection");
      await once(client, "connect");
      const restored = await second;
      assert.equal(client.recovered, true);
      assert.equal(restored.recovered, true);
      assert.equal(restored.id, socket.id);
      assert.equal(client.id, socket.id);
      assert.ok(restored.rooms.has("room"));
      assert.deepEqual(restored.data, { user: "ann" });
      restored.on("sync", (cb: () => void) => cb());
      await client.emitWithAck("sync");
      assert.deepEqual(received, [0, 1, 2]);

      // Replaying the same private session id (as a thief or a second tab would) does not restore it again.
      const { _pid: pid, _lastOffset: offset } = client as unknown as { _pid: string; _lastOffset: string };
      assert.equal(typeof pid, "string");
      const replayed = once<Socket>(fx.io, "connection");
      const thief = fx.client("/", { transports, auth: { pid, offset } });
      const thiefSocket = await replayed;
      assert.equal(thiefSocket.recovered, false);
      assert.notEqual(thiefSocket.id, socket.id);
      thief.disconnect();
      client.disconnect();
    });

    it("an unknown or reused session id gets a fresh session", async () => {
      const connected = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports, auth: { pid: "forged", offset: "0-1" } });
      const socket = await connected;
      await once(client, "connect");
      assert.equal(socket.recovered, false);
      client.disconnect();
    });
  });
}

describe("connection state recovery and middlewares", () => {
  /** Connects with a valid token, receives one packet (so the client holds an offset), then loses its transport and reconnects with `authOnReconnect`. */
  async function connectThenDrop(fx: Fixture, nsp: string, authOnReconnect: Record<string, unknown> = { token: "valid" }) {
    const first = once<Socket>(fx.io.of(nsp), "connection");
    const client = fx.client(nsp, {
      transports: ["websocket"],
      auth: { token: "valid" },
      reconnection: true,
      reconnectionDelay: 10,
      reconnectionDelayMax: 10,
    });
    const socket = await first;
    await once(client, "connect");
    socket.join("kept");
    const news = once(client, "news");
    fx.io.of(nsp).emit("news", 0);
    await news;
    const serverGone = once<string>(socket, "disconnect");
    client.auth = authOnReconnect;
    (client.io as unknown as { engine: { close(): void } }).engine.close();
    assert.equal(await serverGone, "transport close");
    return { client, socket };
  }

  it("skipMiddlewares skips plain use() middlewares, but runs those added with runOnRecovery, in order", async () => {
    const fx = await new Fixture({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }).start();
    try {
      const ran: string[] = [];
      const nsp = fx.io.of("/ordered");
      nsp.use((socket, next) => {
        ran.push(`plain ${socket.recovered}`);
        next();
      });
      nsp.use(
        (socket, next) => {
          ran.push(`guard ${socket.recovered}`);
          next();
        },
        { runOnRecovery: true },
      );
      nsp.use((socket, next) => {
        ran.push(`plain2 ${socket.recovered}`);
        next();
      });
      const { client, socket } = await connectThenDrop(fx, "/ordered");
      const restored = await once<Socket>(nsp, "connection");
      assert.equal(restored.recovered, true);
      assert.equal(restored.id, socket.id);
      assert.deepEqual(ran, ["plain false", "guard false", "plain2 false", "guard true"]);
      client.disconnect();
    } finally {
      await fx.close();
    }
  });

  it("a runOnRecovery middleware that refuses answers connect_error: the session is not restored", async () => {
    const fx = await new Fixture({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }).start();
    try {
      const nsp = fx.io.of("/checked");
      nsp.use(
        (socket, next) =>
          socket.handshake.auth.token === "valid" ? next() : next(Object.assign(new Error("token revoked"), { data: { code: 401 } })),
        { runOnRecovery: true },
      );
      let connections = 0;
      nsp.on("connection", () => void connections++);
      const { client, socket } = await connectThenDrop(fx, "/checked", { token: "revoked" });
      const refused = await once<Error & { data?: unknown }>(client, "connect_error");
      assert.equal(refused.message, "token revoked");
      assert.deepEqual(refused.data, { code: 401 });
      assert.equal(connections, 1);
      assert.equal(nsp.sockets.has(socket.id), false);
      assert.equal(nsp.adapter.rooms.get("kept"), undefined, "the refused socket left the rooms it was restored into");
      client.disconnect();
    } finally {
      await fx.close();
    }
  });

  it("a dynamic namespace's children keep runOnRecovery", async () => {
    const fx = await new Fixture({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }).start();
    try {
      const ran: boolean[] = [];
      const parent = fx.io.of(/^\/dyn-\d+$/);
      parent.use(
        (socket, next) => {
          ran.push(socket.recovered);
          next();
        },
        { runOnRecovery: true },
      );
      const { client } = await connectThenDrop(fx, "/dyn-1");
      await once(client, "connect");
      assert.deepEqual(ran, [false, true]);
      client.disconnect();
    } finally {
      await fx.close();
    }
  });
});
