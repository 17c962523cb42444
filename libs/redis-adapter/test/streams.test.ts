/**
 * Streams mode: two Sockline nodes and an official socket.io node with @socket.io/redis-streams-adapter share one
 * stream. Cross-node operations both ways, and connection state recovery when a client drops from one node and comes
 * back through the load balancer on another.
 */
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createAdapter as createOfficialStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server as OfficialServer } from "socket.io";
import type { RedisStreamsAdapter } from "@sockline/redis-adapter";
import {
  connect,
  eventsOf,
  installScenario,
  startSocklineNode,
  waitForCluster,
  type SocklineNode,
  type TestClient,
} from "./helpers/nodes.js";
import { SwitchProxy } from "./helpers/switch-proxy.js";
import { once, redisServerSkipReason, startRedisServer, waitUntil, type RedisServer } from "@sockline/e2e/support";

const skip = redisServerSkipReason();

describe("streams adapter", { skip }, () => {
  let redis: RedisServer;
  let a: SocklineNode; // node-redis
  let b: SocklineNode; // ioredis
  let official: OfficialServer;
  let officialHttp: HttpServer;
  let officialPort: number;
  let proxy: SwitchProxy;
  const closers: Array<() => unknown> = [];
  const clients: TestClient[] = [];
  let a1: TestClient;
  let b1: TestClient;
  let o1: TestClient;

  before(async () => {
    redis = await startRedisServer();
    [a, b] = await Promise.all([
      startSocklineNode({ name: "A", redisUrl: redis.url, mode: "streams", recovery: true }),
      startSocklineNode({ name: "B", redisUrl: redis.url, mode: "streams", flavour: "ioredis", recovery: true }),
    ]);
    const officialClient = createClient({ url: redis.url });
    officialClient.on("error", () => {});
    await officialClient.connect();
    closers.push(() => officialClient.close());
    officialHttp = createServer();
    official = new OfficialServer(officialHttp, {
      adapter: createOfficialStreamsAdapter(officialClient, { blockTimeInMs: 1000 }),
      connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true },
    });
    installScenario(official as any, "official");
    await new Promise<void>((resolve) => officialHttp.listen(0, "127.0.0.1", resolve));
    officialPort = (officialHttp.address() as AddressInfo).port;
    await waitForCluster([a, b, { adapter: () => official.of("/").adapter }], 3);
    a1 = await connect(a.url, { room: "r1", user: "a1" });
    b1 = await connect(b.url, { room: "r2", user: "b1" });
    o1 = await connect(`http://127.0.0.1:${officialPort}`, { room: "r1", user: "o1" });
    clients.push(a1, b1, o1);
    // the official reader starts at "$" when its client is connected: make sure it already follows the stream
    let i = 0;
    await waitUntil(() => {
      a.io.emit("warmup", i++);
      return eventsOf(o1, "warmup").length > 0;
    }, "official node reading the stream");
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await proxy?.close();
    await new Promise<void>((resolve) => official?.close(() => resolve()));
    await Promise.all([a?.close(), b?.close()]);
    for (const close of closers) await close();
    await redis?.stop();
  });

  it("appends broadcasts to the stream in the reference format", async () => {
    a.io.to("r2").emit("stored", { x: 1 });
    await waitUntil(() => eventsOf(b1, "stored").length === 1, "stored on B");
    const probe = createClient({ url: redis.url });
    await probe.connect();
    try {
      const [last] = await probe.xRevRange("socket.io", "+", "-", { COUNT: 1 });
      assert.equal(last!.message.nsp, "/");
      assert.equal(last!.message.type, "3");
      assert.deepEqual(JSON.parse(last!.message.data!), {
        packet: { type: 2, data: ["stored", { x: 1 }], nsp: "/" },
        opts: { rooms: ["r2"], except: [], flags: {} },
      });
      // with recovery on, every node hands out the stream id as the packet offset
      assert.deepEqual(eventsOf(b1, "stored")[0], [{ x: 1 }, last!.id]);
    } finally {
      await probe.close();
    }
  });

  it("broadcasts across Sockline and official nodes, both ways", async () => {
    b.io.emit("from-sockline", Buffer.from([9]));
    official.to("r1").emit("from-official", "o");
    await waitUntil(() => [a1, b1, o1].every((c) => eventsOf(c, "from-sockline").length === 1), "sockline broadcast");
    assert.deepEqual(Buffer.from(eventsOf(o1, "from-sockline")[0]![0] as ArrayBuffer), Buffer.from([9]));
    await waitUntil(() => [a1, o1].every((c) => eventsOf(c, "from-official").length === 1), "official broadcast");
    a.io.local.emit("local-only");
    b.io.emit("marker");
    await waitUntil(() => eventsOf(a1, "marker").length === 1 && eventsOf(o1, "marker").length === 1, "marker");
    assert.equal(eventsOf(b1, "from-official").length, 0);
    assert.equal(eventsOf(a1, "local-only").length, 1);
    assert.equal(eventsOf(o1, "local-only").length + eventsOf(b1, "local-only").length, 0);
  });

  it("fetches sockets, joins rooms, and runs serverSideEmit with acks across implementations", async () => {
    const sockets = await a.io.fetchSockets();
    assert.deepEqual(sockets.map((s: any) => s.data.user).sort(), ["a1", "b1", "o1"]);
    const fromOfficial = await official.fetchSockets();
    assert.deepEqual(fromOfficial.map((s) => s.data.user).sort(), ["a1", "b1", "o1"]);
    official.in("r2").socketsJoin("r3");
    await waitUntil(async () => (await a.io.in("r3").fetchSockets()).length === 1, "b1 in r3");
    a.io.in("r3").socketsLeave("r3");
    await waitUntil(async () => (await official.in("r3").fetchSockets()).length === 0, "r3 empty");
    assert.deepEqual((await a.io.serverSideEmitWithAck("whoami")).sort(), ["B", "official"]);
    assert.deepEqual((await official.serverSideEmitWithAck("whoami")).sort(), ["A", "B"]);
  });

  it("aggregates acknowledgements over all nodes", async () => {
    for (const client of [a1, b1, o1]) client.on("question", (reply: (v: unknown) => void) => reply((client.io.opts.query as any).user));
    const answers = await (b.io.timeout(3000) as any).emitWithAck("question");
    assert.deepEqual([...answers].sort(), ["a1", "b1", "o1"]);
  });

  it("recovers a client that drops from node A and reconnects to node B: id, rooms, data and missed packets", async () => {
    proxy = await SwitchProxy.start(a.port);
    const client = await connect(proxy.url, { room: "r1", user: "roamer" });
    clients.push(client);
    const firstId = client.id;
    const [remote]: any[] = await b.io.in(firstId!).fetchSockets();
    remote.join("extra-room");
    await waitUntil(async () => (await a.io.in("extra-room").fetchSockets()).length === 1, "joined extra-room");
    a.io.to("r1").emit("seen", 1);
    await waitUntil(() => eventsOf(client, "seen").length === 1, "seen");

    // the load balancer drops node A; the client will come back through it to node B
    const disconnected = once(client, "disconnect");
    proxy.switchTo(b.port);
    await disconnected;
    await waitUntil(async () => (await a.adapter().serverCount()) === 3 && (await officialSessionKeys()) > 0, "session persisted");
    a.io.to("r1").emit("missed", "from A");
    b.io.to("extra-room").emit("missed", "from B");
    official.emit("missed", "from official");
    b.io.to("r2").emit("not-for-roamer");
    a.io.volatile.emit("missed-volatile");

    await once(client, "connect");
    assert.equal(client.recovered, true);
    assert.equal(client.id, firstId);
    await waitUntil(() => eventsOf(client, "missed").length === 3, "missed packets");
    assert.deepEqual(
      eventsOf(client, "missed")
        .map(([from]) => from)
        .sort(),
      ["from A", "from B", "from official"],
    );
    assert.equal(eventsOf(client, "not-for-roamer").length, 0);
    assert.equal(eventsOf(client, "missed-volatile").length, 0);
    const [restored]: any[] = await a.io.in(firstId!).fetchSockets();
    assert.deepEqual(restored.data, { node: "A", user: "roamer" });
    assert.deepEqual(new Set(restored.rooms), new Set([firstId, "r1", "extra-room"]));
    assert.equal(
      (await b.io.local.fetchSockets()).some((s: any) => s.id === firstId),
      true,
      "now lives on B",
    );

    async function officialSessionKeys(): Promise<number> {
      const probe = createClient({ url: redis.url });
      await probe.connect();
      try {
        return (await probe.keys("sio:session:*")).length;
      } finally {
        await probe.close();
      }
    }
  });

  it("recovers a session persisted by the official node on a Sockline node", async () => {
    proxy.switchTo(officialPort);
    const client = await connect(proxy.url, { room: "r2", user: "migrant" });
    clients.push(client);
    const firstId = client.id;
    // the client needs an offset to recover from: the last event it received
    official.to(firstId!).emit("welcome");
    await waitUntil(() => eventsOf(client, "welcome").length === 1, "welcome");
    const disconnected = once(client, "disconnect");
    proxy.switchTo(a.port);
    await disconnected;
    b.io.to("r2").emit("missed-by-migrant", 1);
    await once(client, "connect");
    assert.equal(client.recovered, true);
    assert.equal(client.id, firstId);
    await waitUntil(() => eventsOf(client, "missed-by-migrant").length === 1, "missed packet");
    const [restored]: any[] = await b.io.in(firstId!).fetchSockets();
    assert.equal(restored.data.user, "migrant");
  });

  it("refuses an unknown or replayed session and starts a fresh one", async () => {
    const adapter = a.adapter() as RedisStreamsAdapter;
    assert.equal(await adapter.restoreSession("no-such-pid", "1-0"), null);
    assert.equal(await adapter.restoreSession("x", "not-an-offset"), null);
  });
});
