// Server-side utility methods (fetchSockets and RemoteSocket, socketsJoin/Leave,
// disconnectSockets, allSockets), io.close(), and the adapter's room events.
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Harness, type ClientSocket, type ServerSocket } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { once, record, waitUntil } from "@sockline/e2e/support";

describe(`[${IMPL}] utility methods`, () => {
  let h: Harness;
  let pairs: { client: ClientSocket; socket: ServerSocket }[];
  beforeEach(async () => {
    h = await Harness.start({}, "websocket");
    pairs = [];
    for (let i = 0; i < 3; i++) pairs.push(await h.connect("/", { auth: { n: i } }));
    pairs[0].socket.join(["room1", "room2"]);
    pairs[1].socket.join("room1");
    pairs.forEach((p, i) => {
      p.socket.data.index = i;
    });
  });
  afterEach(() => h.close());

  it("fetchSockets returns RemoteSockets with id, handshake, rooms and data", async () => {
    const all = await h.io.fetchSockets();
    assert.deepEqual(new Set(all.map((s) => s.id)), new Set(pairs.map((p) => p.socket.id)));
    const first = all.find((s) => s.id === pairs[0].socket.id)!;
    assert.deepEqual(first.handshake.auth, { n: 0 });
    assert.equal(first.handshake.query.EIO, "4");
    assert.deepEqual(new Set(first.rooms), new Set([first.id, "room1", "room2"]));
    assert.deepEqual(first.data, { index: 0 });
    const inRoom1 = await h.io.in("room1").fetchSockets();
    assert.deepEqual(new Set(inRoom1.map((s) => s.id)), new Set([pairs[0].socket.id, pairs[1].socket.id]));
    const filtered = await h.io.in("room1").except("room2").fetchSockets();
    assert.deepEqual(
      filtered.map((s) => s.id),
      [pairs[1].socket.id],
    );
    assert.deepEqual(await h.io.in("nobody-here").fetchSockets(), []);
  });

  it("RemoteSocket emit, timeout().emit, join, leave and disconnect act on the real socket", async () => {
    const [remote] = await h.io.in(pairs[2].socket.id).fetchSockets();
    const hello = once(pairs[2].client, "hello");
    remote.emit("hello", "remote");
    assert.deepEqual(await hello, ["remote"]);

    pairs[2].client.on("ask", (ack: (v: string) => void) => ack("answer"));
    const [err, responses] = await new Promise<[unknown, unknown]>((resolve) =>
      remote.timeout(5000).emit("ask", (e: unknown, r: unknown) => resolve([e, r])),
    );
    assert.equal(err, null);
    assert.equal(responses, "answer", "a single socket: the one response, not a list");

    remote.join("room3");
    assert.equal(pairs[2].socket.rooms.has("room3"), true);
    remote.leave("room3");
    assert.equal(pairs[2].socket.rooms.has("room3"), false);

    const gone = once<[string]>(pairs[2].client, "disconnect");
    remote.disconnect();
    assert.equal((await gone)[0], "io server disconnect");
  });

  it("socketsJoin and socketsLeave move matching sockets between rooms", async () => {
    h.io.in("room1").socketsJoin(["room4", "room5"]);
    assert.deepEqual(
      pairs.map((p) => p.socket.rooms.has("room4")),
      [true, true, false],
    );
    assert.deepEqual(
      pairs.map((p) => p.socket.rooms.has("room5")),
      [true, true, false],
    );
    h.io.in(pairs[1].socket.id).socketsLeave("room4");
    assert.deepEqual(
      pairs.map((p) => p.socket.rooms.has("room4")),
      [true, false, false],
    );
    h.io.socketsJoin("everyone");
    assert.deepEqual(
      pairs.map((p) => p.socket.rooms.has("everyone")),
      [true, true, true],
    );
    h.io.except("room2").socketsLeave("everyone");
    assert.deepEqual(
      pairs.map((p) => p.socket.rooms.has("everyone")),
      [true, false, false],
    );
  });

  it("disconnectSockets disconnects the matching sockets only; with true it closes their connections", async () => {
    const reasons = pairs.map((p) => record<string>(p.client, "disconnect"));
    const gone1 = once(pairs[1].client, "disconnect");
    h.io.in("room1").except("room2").disconnectSockets();
    await gone1;
    const closed0 = once(pairs[0].client.io.engine, "close");
    h.io.in("room2").disconnectSockets(true);
    await closed0;
    assert.deepEqual(
      reasons.map((r) => r.stop().map(([reason]) => reason)),
      [["io server disconnect"], ["io server disconnect"], []],
    );
    assert.equal(pairs[2].client.connected, true);
  });

  it("allSockets returns the ids, optionally per room", async () => {
    assert.deepEqual(await h.io.allSockets(), new Set(pairs.map((p) => p.socket.id)));
    assert.deepEqual(await h.io.in("room2").allSockets(), new Set([pairs[0].socket.id]));
    assert.deepEqual(await h.io.of("/").to("room1").allSockets(), new Set([pairs[0].socket.id, pairs[1].socket.id]));
  });

  it("io.close() disconnects every client and calls back", async () => {
    const reasons = pairs.map((p) => once<[string]>(p.client, "disconnect"));
    const serverReasons = pairs.map((p) => once<[string]>(p.socket, "disconnect"));
    await new Promise<void>((resolve) => h.io.close(() => resolve()));
    assert.deepEqual(
      (await Promise.all(serverReasons)).map(([r]) => r),
      ["server shutting down", "server shutting down", "server shutting down"],
    );
    for (const [reason] of await Promise.all(reasons)) {
      assert.ok(["transport close", "io server disconnect"].includes(reason), `client reason ${reason}`);
    }
    assert.equal(h.server.httpServer.listening, false, "io.close() also closes the HTTP server");
  });
});

describe(`[${IMPL}] adapter room events`, () => {
  it("create-room, join-room, leave-room and delete-room", async () => {
    const h = await Harness.start({}, "websocket");
    try {
      const adapter = h.io.of("/").adapter;
      const events: string[] = [];
      for (const name of ["create-room", "delete-room", "join-room", "leave-room"]) {
        adapter.on(name, (room: string, id?: string) => events.push(id === undefined ? `${name} ${room}` : `${name} ${room} ${id}`));
      }
      const { client, socket } = await h.connect();
      const id = socket.id;
      const own = events.splice(0);
      assert.deepEqual(own, [`create-room ${id}`, `join-room ${id} ${id}`], "a socket joins the room of its own id");
      socket.join("lobby");
      assert.deepEqual(events.splice(0), ["create-room lobby", `join-room lobby ${id}`]);
      socket.join("lobby");
      assert.deepEqual(events.splice(0), [], "joining twice is a no-op");
      socket.leave("lobby");
      assert.deepEqual(events.splice(0), ["leave-room lobby " + id, "delete-room lobby"]);
      socket.join("bye");
      events.splice(0);
      const gone = once(socket, "disconnect");
      client.disconnect();
      await gone;
      await waitUntil(() => events.length >= 4, "rooms to be left on disconnect");
      assert.deepEqual(
        new Set(events),
        new Set([`leave-room ${id} ${id}`, `delete-room ${id}`, `leave-room bye ${id}`, "delete-room bye"]),
      );
      assert.equal(adapter.rooms.size, 0);
      assert.equal(adapter.sids.size, 0);
    } finally {
      await h.close();
    }
  });
});
