import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Socket } from "@sockline/core";
import { Fixture, TRANSPORTS, once, onceAll } from "./helpers.js";

for (const [label, transports] of Object.entries(TRANSPORTS)) {
  describe(`server with socket.io-client over ${label}`, () => {
    let fx: Fixture;
    before(async () => {
      fx = await new Fixture().start();
    });
    after(() => fx.close());

    it("connects with auth and query; handshake and ids are exposed", async () => {
      const serverSide = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports, auth: { token: "abc" }, query: { room: "r1" } });
      const socket = await serverSide;
      await once(client, "connect");
      assert.equal(client.id, socket.id);
      assert.notEqual(socket.id, socket.conn.id, "the socket id is not the engine id");
      assert.deepEqual(socket.handshake.auth, { token: "abc" });
      assert.equal(socket.handshake.query.room, "r1");
      assert.equal(socket.handshake.address, "127.0.0.1");
      assert.equal(socket.handshake.secure, false);
      assert.equal(typeof socket.handshake.issued, "number");
      assert.ok(socket.rooms.has(socket.id));
      assert.equal(socket.connected, true);
      assert.equal(socket.recovered, false);
      client.disconnect();
    });

    it("delivers mixed and nested binary arguments both ways, and acks both ways", async () => {
      const serverSide = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports });
      const socket = await serverSide;
      socket.on("upload", (a: unknown, b: unknown, ack: (...args: unknown[]) => void) => ack({ got: [a, b] }, Buffer.from([7])));
      const fromServer = onceAll(client, "download");
      socket.emit("download", 1, "two", Buffer.from([1, 2]), { deep: [{ bin: Buffer.from("x") }] });
      const args = await fromServer;
      assert.deepEqual(args.slice(0, 2), [1, "two"]);
      assert.deepEqual(Buffer.from(args[2] as ArrayBuffer), Buffer.from([1, 2]));
      const reply = await new Promise<unknown[]>((resolve) =>
        client.emit("upload", Buffer.from([3]), { n: 1 }, (...r: unknown[]) => resolve(r)),
      );
      assert.deepEqual((reply[0] as { got: unknown[] }).got[1], { n: 1 });
      assert.deepEqual(Buffer.from((reply[0] as { got: ArrayBuffer[] }).got[0]!), Buffer.from([3]));
      assert.deepEqual(Buffer.from(reply[1] as ArrayBuffer), Buffer.from([7]));

      client.on("question", (q: string, cb: (a: string) => void) => cb(q + "!"));
      assert.equal(await socket.emitWithAck("question", "hi"), "hi!");
      assert.equal(await socket.timeout(5000).emitWithAck("question", "yo"), "yo!");
      const err = await new Promise<Error | null>((resolve) => socket.timeout(50).emit("unanswered", (e: Error | null) => resolve(e)));
      assert.match(String(err), /operation has timed out/);
      client.disconnect();
    });

    it("broadcasts to rooms (union without duplicates), except, and skips the sender with socket.broadcast", async () => {
      const sockets: Socket[] = [];
      fx.io.on("connection", function collect(s) {
        sockets.push(s);
        if (sockets.length === 3) fx.io.off("connection", collect);
      });
      const clients = [0, 1, 2].map(() => fx.client("/", { transports }));
      await Promise.all(clients.map((c) => once(c, "connect")));
      const byId = new Map(sockets.map((s) => [s.id, s]));
      const [s0, s1, s2] = clients.map((c) => byId.get(c.id!)!);
      // A round trip per client after the emits proves every earlier message has arrived (one ordered stream).
      for (const s of [s0, s1, s2]) s!.on("sync", (cb: () => void) => cb());
      s0!.join(["a", "b"]);
      s1!.join("b");
      const received: string[][] = [[], [], []];
      clients.forEach((c, i) => {
        c.on("msg", (m: string) => received[i]!.push(m));
      });
      fx.io.to("a").to("b").emit("msg", "union");
      fx.io.except("a").emit("msg", "except-a");
      s0!.broadcast.emit("msg", "from-0");
      fx.io.to(s2!.id).emit("msg", "private");
      s1!.to("a").emit("msg", "s1-to-a");
      await Promise.all(clients.map((c) => c.emitWithAck("sync")));
      assert.deepEqual(received[0], ["union", "s1-to-a"]);
      assert.deepEqual(received[1], ["union", "except-a", "from-0"]);
      assert.deepEqual(received[2], ["except-a", "from-0", "private"]);
      const inB = await fx.io.in("b").fetchSockets();
      assert.deepEqual(inB.map((s) => s.id).sort(), [s0!.id, s1!.id].sort());
      fx.io.in("b").socketsJoin("c");
      assert.ok(s1!.rooms.has("c"));
      fx.io.in("c").socketsLeave("b");
      assert.equal(s1!.rooms.has("b"), false);
      for (const c of clients) c.disconnect();
    });

    it("collects broadcast acks, one per client, and reports the missing ones on timeout", async () => {
      const clients = [0, 1].map(() => fx.client("/", { transports }));
      await Promise.all(clients.map((c) => once(c, "connect")));
      clients[0]!.on("poll", (cb: (v: number) => void) => cb(1));
      clients[1]!.on("poll", (cb: (v: number) => void) => cb(2));
      const responses = await fx.io.timeout(5000).emitWithAck("poll");
      assert.deepEqual((responses as number[]).sort(), [1, 2]);
      clients[1]!.off("poll");
      clients[1]!.on("poll", () => {});
      const err = (await fx.io
        .timeout(100)
        .emitWithAck("poll")
        .catch((e: unknown) => e)) as Error & { responses: unknown[] };
      assert.match(err.message, /timed out/);
      assert.deepEqual(err.responses, [1]);
      for (const c of clients) c.disconnect();
    });

    it("reports the disconnect reasons on both sides", async () => {
      const serverSide = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports });
      const socket = await serverSide;
      await once(client, "connect");
      const serverReasons: string[] = [];
      socket.on("disconnecting", (r) => serverReasons.push("disconnecting:" + r));
      socket.on("disconnect", (r) => serverReasons.push("disconnect:" + r));
      const clientReason = once<string>(client, "disconnect");
      socket.disconnect();
      assert.equal(await clientReason, "io server disconnect");
      assert.deepEqual(serverReasons, ["disconnecting:server namespace disconnect", "disconnect:server namespace disconnect"]);

      const second = once<Socket>(fx.io, "connection");
      const client2 = fx.client("/", { transports });
      const socket2 = await second;
      await once(client2, "connect");
      const reason = once<string>(socket2, "disconnect");
      client2.disconnect();
      assert.equal(await reason, "client namespace disconnect");
    });
  });
}

describe("namespaces and middlewares", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture().start();
  });
  after(() => fx.close());

  it("static, regex and function namespaces; parent broadcast; unknown namespace is refused", async () => {
    const created: string[] = [];
    fx.io.on("new_namespace", (nsp) => created.push(nsp.name));
    fx.io.of("/static").on("connection", (s) => s.emit("where", s.nsp.name));
    const regexParent = fx.io.of(/^\/dyn-\d+$/);
    regexParent.on("connection", (s) => s.emit("where", s.nsp.name));
    fx.io.of((name, auth, next) => next(null, name === "/fn" && auth.ok === true)).on("connection", (s) => s.emit("where", s.nsp.name));

    for (const nsp of ["/static", "/dyn-42", "/fn"]) {
      const c = fx.client(nsp, { auth: { ok: true } });
      assert.equal(await once(c, "where"), nsp);
      if (nsp === "/dyn-42") {
        const got = once(c, "news");
        regexParent.emit("news", "all children");
        assert.equal(await got, "all children");
      }
      c.disconnect();
    }
    assert.deepEqual(created, ["/static", "/dyn-42", "/fn"]);
    const refused = fx.client("/nope");
    const err = await once<Error>(refused, "connect_error");
    assert.equal(err.message, "Invalid namespace");
  });

  it("cleanupEmptyChildNamespaces removes a child namespace once its last socket leaves", async () => {
    const cleanup = await new Fixture({ cleanupEmptyChildNamespaces: true }).start();
    try {
      cleanup.io.of(/^\/tmp-\d+$/);
      const c = cleanup.client("/tmp-1");
      await once(c, "connect");
      assert.ok(cleanup.io._nsps.has("/tmp-1"));
      const gone = once(cleanup.io.of("/tmp-1").sockets.values().next().value!, "disconnect");
      c.disconnect();
      await gone;
      assert.equal(cleanup.io._nsps.has("/tmp-1"), false);
    } finally {
      await cleanup.close();
    }
  });

  it("volatile, compress(false) and local emits reach a connected client", async () => {
    const c = fx.client("/");
    await once(c, "connect");
    const got: unknown[] = [];
    c.on("m", (v: unknown) => got.push(v));
    const serverSocket = [...fx.io.sockets.sockets.values()].find((s) => s.id === c.id)!;
    serverSocket.on("sync", (cb: () => void) => cb());
    fx.io.volatile.emit("m", "volatile");
    fx.io.compress(false).emit("m", "uncompressed");
    fx.io.local.emit("m", "local");
    serverSocket.volatile.emit("m", "socket-volatile");
    serverSocket.compress(false).emit("m", "socket-uncompressed");
    await c.emitWithAck("sync");
    // Volatile packets may be dropped when the transport is busy (polling between requests): only
    // their order is checked. The others must all arrive, in order.
    assert.deepEqual(
      got.filter((v) => !String(v).includes("volatile")),
      ["uncompressed", "local", "socket-uncompressed"],
    );
    const volatiles = got.filter((v) => String(v).includes("volatile"));
    assert.deepEqual(
      volatiles,
      ["volatile", "socket-volatile"].filter((v) => volatiles.includes(v)),
    );
    c.disconnect();
  });

  it("a middleware error reaches the client as connect_error with message and data", async () => {
    const nsp = fx.io.of("/guarded");
    nsp.use((socket, next) => {
      if (socket.handshake.auth.token === "good") return next();
      const err = new Error("not authorized") as Error & { data?: unknown };
      err.data = { code: 401 };
      next(err);
    });
    const bad = fx.client("/guarded", { auth: { token: "bad" } });
    const err = (await once(bad, "connect_error")) as Error & { data?: unknown };
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { code: 401 });
    const good = fx.client("/guarded", { auth: { token: "good" } });
    await once(good, "connect");
    good.disconnect();
  });

  it("per-socket middleware errors reach the socket's error event; onAny sees events", async () => {
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/");
    const socket = await serverSide;
    const seen: unknown[] = [];
    socket.onAny((...args) => seen.push(args));
    socket.use(([event], next) => (event === "forbidden" ? next(new Error("forbidden event")) : next()));
    const error = once<Error>(socket, "error");
    client.emit("forbidden", 1);
    assert.equal((await error).message, "forbidden event");
    assert.deepEqual(seen, [["forbidden", 1]]);
    assert.throws(() => socket.emit("disconnect" as never), /reserved event name/);
    client.disconnect();
  });

  it("fetchSockets returns sockets with RemoteSocket methods; serverSideEmitWithAck resolves with no responses", async () => {
    const client = fx.client("/");
    await once(client, "connect");
    const [remote] = await fx.io.in(client.id!).fetchSockets();
    assert.equal(remote!.id, client.id);
    const got = once(client, "hello");
    remote!.emit("hello", "there");
    assert.equal(await got, "there");
    remote!.join("fetched");
    assert.ok((await fx.io.in("fetched").allSockets()).has(client.id!));
    assert.deepEqual(await fx.io.serverSideEmitWithAck("sync"), []);
    const reason = once(client, "disconnect");
    remote!.disconnect();
    assert.equal(await reason, "io server disconnect");
  });
});

describe("io.close()", () => {
  it("disconnects every client with 'server shutting down' and closes the HTTP server", async () => {
    const fx = await new Fixture().start();
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/");
    const socket = await serverSide;
    await once(client, "connect");
    const reason = once(socket, "disconnect");
    const clientGone = once(client, "disconnect");
    await fx.io.close();
    assert.equal(await reason, "server shutting down");
    await clientGone;
    assert.equal(fx.http.listening, false);
    client.disconnect();
  });
});
