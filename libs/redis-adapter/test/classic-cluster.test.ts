/**
 * Three Sockline nodes on one Redis (classic Pub/Sub protocol): A and B in this process (node-redis), C in a child
 * process (ioredis), official socket.io-clients spread over them. Every cross-node operation of the server API.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RedisAdapter } from "@sockline/redis-adapter";
import * as msgpack from "notepack.io";
import { createClient } from "redis";
import { ChildNode } from "./helpers/child-node.js";
import { connect, eventsOf, notes, startSocklineNode, waitForCluster, type SocklineNode, type TestClient } from "./helpers/nodes.js";
import { once, redisServerSkipReason, startRedisServer, waitUntil, type RedisServer } from "@sockline/e2e/support";

const skip = redisServerSkipReason();

describe("classic adapter: three nodes", { skip }, () => {
  let redis: RedisServer;
  let a: SocklineNode;
  let b: SocklineNode;
  let c: ChildNode;
  let a1: TestClient; // A, room r1
  let b1: TestClient; // B, room r1
  let b2: TestClient; // B, room r2
  let c1: TestClient; // C, room r2
  let chatA: TestClient; // A, namespace /chat
  let chatC: TestClient; // C, namespace /chat
  const clients: TestClient[] = [];
  const all = () => [a1, b1, b2, c1];

  /** Broadcast a marker from `node` to everyone and wait for it: everything published before has arrived. */
  async function flush(node: SocklineNode, targets = all()): Promise<void> {
    const marker = `m${Math.random()}`;
    node.io.emit("marker", marker);
    await waitUntil(() => targets.every((t) => eventsOf(t, "marker").some(([m]) => m === marker)), "marker everywhere");
  }

  before(async () => {
    redis = await startRedisServer();
    const common = { redisUrl: redis.url, namespaces: ["/chat"], requestsTimeout: 1500 };
    [a, b, c] = await Promise.all([
      startSocklineNode({ ...common, name: "A" }),
      startSocklineNode({ ...common, name: "B" }),
      ChildNode.start({ ...common, name: "C", flavour: "ioredis" }),
    ]);
    const cAsNode = { adapter: () => ({ serverCount: async () => 3 }) };
    await waitForCluster([a, b, cAsNode], 3);
    await waitForCluster([a, b], 3, "/chat");
    a1 = await connect(a.url, { room: "r1", user: "a1" });
    b1 = await connect(b.url, { room: "r1", user: "b1" });
    b2 = await connect(b.url, { room: "r2", user: "b2" });
    c1 = await connect(c.url, { room: "r2", user: "c1" });
    chatA = await connect(`${a.url}/chat`, { user: "chatA" });
    chatC = await connect(`${c.url}/chat`, { user: "chatC" });
    clients.push(a1, b1, b2, c1, chatA, chatC);
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    await redis?.stop();
  });

  it("broadcasts to every client of the namespace on every node", async () => {
    c.call("emit", { event: "hello", args: ["from C", { n: 1 }] });
    await waitUntil(() => all().every((t) => eventsOf(t, "hello").length === 1), "hello everywhere");
    for (const client of all()) assert.deepEqual(eventsOf(client, "hello")[0], ["from C", { n: 1 }]);
  });

  it("carries binary payloads", async () => {
    a.io.emit("blob", Buffer.from([1, 2, 3]));
    await waitUntil(() => all().every((t) => eventsOf(t, "blob").length === 1), "blob everywhere");
    assert.deepEqual(Buffer.from(eventsOf(c1, "blob")[0]![0] as ArrayBuffer), Buffer.from([1, 2, 3]));
  });

  it("broadcasts to one room, to several rooms, and except rooms", async () => {
    b.io.to("r1").emit("to-r1");
    a.io.to(["r1", "r2"]).emit("to-both");
    c.call("emit", { event: "except-r2", args: [], except: ["r2"] });
    await flush(a);
    await flush(b);
    assert.deepEqual(
      all().map((t) => eventsOf(t, "to-r1").length),
      [1, 1, 0, 0],
    );
    assert.deepEqual(
      all().map((t) => eventsOf(t, "to-both").length),
      [1, 1, 1, 1],
    );
    await waitUntil(() => eventsOf(a1, "except-r2").length === 1 && eventsOf(b1, "except-r2").length === 1, "except-r2");
    await flush(a);
    assert.deepEqual(
      all().map((t) => eventsOf(t, "except-r2").length),
      [1, 1, 0, 0],
    );
  });

  it("reaches a single socket by id on another node", async () => {
    a.io.to(c1.id!).emit("private", "psst");
    await waitUntil(() => eventsOf(c1, "private").length === 1, "private message");
    await flush(a);
    assert.deepEqual(
      all().map((t) => eventsOf(t, "private").length),
      [0, 0, 0, 1],
    );
  });

  it("keeps `local` broadcasts on their node", async () => {
    b.io.local.emit("local-only");
    await flush(b);
    assert.deepEqual(
      all().map((t) => eventsOf(t, "local-only").length),
      [0, 1, 1, 0],
    );
  });

  it("keeps namespaces apart", async () => {
    a.io.of("/chat").emit("chat-message", "hi");
    await waitUntil(() => eventsOf(chatA, "chat-message").length === 1 && eventsOf(chatC, "chat-message").length === 1, "chat on A and C");
    await flush(a);
    assert.deepEqual(
      all().map((t) => eventsOf(t, "chat-message").length),
      [0, 0, 0, 0],
    );
  });

  it("aggregates acknowledgements from the clients of every node", async () => {
    for (const client of all())
      client.on("question", (n: number, reply: (v: unknown) => void) => reply(`${(client.io.opts.query as any).user}:${n}`));
    const answers = await (a.io.timeout(3000) as any).emitWithAck("question", 7);
    assert.deepEqual([...answers].sort(), ["a1:7", "b1:7", "b2:7", "c1:7"]);
    const roomAnswers = await (b.io.to("r2").timeout(3000) as any).emitWithAck("question", 8);
    assert.deepEqual([...roomAnswers].sort(), ["b2:8", "c1:8"]);
  });

  it("fails a broadcast with acks at its timeout when a remote client does not answer, with the answers so far", async () => {
    b1.on("quiz", (reply: (v: unknown) => void) => reply("b1"));
    c1.on("quiz", () => {}); // never answers
    const [error, answers] = await new Promise<[Error | null, unknown[]]>((resolve) => {
      (b.io.to(["r1", "r2"]).except(b2.id!).except(a1.id!).timeout(800) as any).emit("quiz", (err: Error | null, responses: unknown[]) =>
        resolve([err, responses]),
      );
    });
    assert.ok(error instanceof Error);
    assert.match(error.message, /timed out|timeout/i);
    assert.deepEqual(answers, ["b1"]);
  });

  it("fetches the sockets of every node, with id, handshake, rooms and data", async () => {
    const sockets = await a.io.fetchSockets();
    const byUser = new Map(sockets.map((s: any) => [s.data.user, s]));
    assert.deepEqual([...byUser.keys()].sort(), ["a1", "b1", "b2", "c1"]);
    const remote: any = byUser.get("c1");
    assert.equal(remote.id, c1.id);
    assert.deepEqual(remote.data, { node: "C", user: "c1" });
    assert.deepEqual(new Set(remote.rooms), new Set([c1.id, "r2"]));
    assert.equal(remote.handshake.query.user, "c1");
    const inRoom = await b.io.in("r1").fetchSockets();
    assert.deepEqual(inRoom.map((s: any) => s.id).sort(), [a1.id, b1.id].sort());
    const fromChild = await c.call<Array<{ id: string }>>("fetchSockets", { rooms: ["r2"] });
    assert.deepEqual(fromChild.map((s) => s.id).sort(), [b2.id, c1.id].sort());
  });

  it("lets a RemoteSocket emit, join, leave on its own node", async () => {
    const [remote]: any[] = await a.io.in(c1.id!).fetchSockets();
    remote.emit("direct", 42);
    await waitUntil(() => eventsOf(c1, "direct").length === 1, "direct emit");
    assert.deepEqual(eventsOf(c1, "direct")[0], [42]);
    remote.join("vip");
    await waitUntil(async () => (await b.io.in("vip").fetchSockets()).some((s: any) => s.id === c1.id), "c1 in vip");
    remote.leave("vip");
    await waitUntil(async () => (await b.io.in("vip").fetchSockets()).length === 0, "c1 left vip");
  });

  it("makes the sockets of every node join and leave rooms", async () => {
    b.io.in("r2").socketsJoin("r3");
    await waitUntil(async () => (await a.io.in("r3").fetchSockets()).length === 2, "r3 members");
    assert.deepEqual((await a.io.in("r3").fetchSockets()).map((s: any) => s.id).sort(), [b2.id, c1.id].sort());
    a.io.to("r3").emit("in-r3");
    await waitUntil(() => eventsOf(b2, "in-r3").length === 1 && eventsOf(c1, "in-r3").length === 1, "in-r3");
    a.io.socketsLeave("r3");
    await waitUntil(async () => (await b.io.in("r3").fetchSockets()).length === 0, "r3 empty");
  });

  it("runs serverSideEmit on the other nodes only", async () => {
    a.io.serverSideEmit("note", "from A");
    await waitUntil(() => (notes.get("B") ?? []).includes("from A"), "B got the note");
    await waitUntil(async () => (await c.call<string[]>("notes")).includes("from A"), "C got the note");
    assert.ok(!(notes.get("A") ?? []).includes("from A"));
  });

  it("collects serverSideEmit acknowledgements from every other node", async () => {
    assert.deepEqual((await a.io.serverSideEmitWithAck("whoami")).sort(), ["B", "C"]);
    assert.deepEqual((await c.call<string[]>("serverSideEmitWithAck", { event: "whoami" })).sort(), ["A", "B"]);
  });

  it("fails serverSideEmitWithAck with a timeout error when nodes do not answer", async () => {
    await assert.rejects(a.io.serverSideEmitWithAck("silent"), /timeout reached while waiting for serverSideEmit responses: 0 of 2/);
  });

  it("lists the rooms of every node", async () => {
    const rooms = await (a.adapter() as RedisAdapter).allRooms();
    for (const room of ["r1", "r2", a1.id, b1.id, c1.id]) assert.ok(rooms.has(room!), `missing room ${room}`);
  });

  it("lists socket ids of every node with the SOCKETS request", async () => {
    const ids = await (b.adapter() as RedisAdapter).clusterSockets(new Set(["r2"]));
    assert.deepEqual([...ids].sort(), [b2.id, c1.id].sort());
  });

  it("ignores malformed messages on every channel and keeps working", async () => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      await raw.publish("socket.io-request#/#", "{not json");
      await raw.publish("socket.io-request#/#", Buffer.from([0xc1, 0x00]));
      await raw.publish("socket.io-request#/#", JSON.stringify({ type: 5 }));
      await raw.publish("socket.io-request#/#", JSON.stringify({ type: 99, requestId: "x" }));
      await raw.publish("socket.io-response#/#", "{broken");
      await raw.publish("socket.io#/#", Buffer.from([0xc1]));
      await raw.publish("socket.io#/#", Buffer.from(msgpack.encode(["emitter", null, null])));
      await raw.publish("socket.io#/#", Buffer.from(msgpack.encode({ not: "an array" })));
      await raw.publish(
        "socket.io#/#r1#",
        Buffer.from(msgpack.encode(["emitter", { type: 2, data: ["ok-after-garbage"], nsp: "/" }, { rooms: ["r1"], except: [] }])),
      );
    } finally {
      await raw.close();
    }
    await waitUntil(
      () => eventsOf(a1, "ok-after-garbage").length === 1 && eventsOf(b1, "ok-after-garbage").length === 1,
      "valid message after garbage",
    );
    await flush(b);
    assert.deepEqual(
      all().map((t) => eventsOf(t, "ok-after-garbage").length),
      [1, 1, 0, 0],
    );
    assert.deepEqual((await a.io.serverSideEmitWithAck("whoami")).sort(), ["B", "C"]);
  });

  it("disconnects the sockets of other nodes", async () => {
    const extra = await connect(c.url, { room: "doomed", user: "extra" });
    clients.push(extra);
    const disconnected = once<[string]>(extra, "disconnect");
    b.io.in("doomed").disconnectSockets();
    const [reason] = await disconnected;
    assert.equal(reason, "io server disconnect");
    assert.ok(c1.connected && b2.connected);
  });

  it("does not leave requests hanging when a node dies", async () => {
    await c.kill();
    // the dead node may still be counted for a moment: the request then ends with a timeout error, never hangs
    await a.io.fetchSockets().catch((error: Error) => assert.match(error.message, /timeout reached/));
    await waitUntil(async () => (await a.adapter().serverCount()) === 2, "two servers left");
    const sockets = await a.io.fetchSockets();
    assert.deepEqual(sockets.map((s: any) => s.data.user).sort(), ["a1", "b1", "b2"]);
  });
});
