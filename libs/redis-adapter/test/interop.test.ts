/**
 * Mixed cluster on the classic protocol: Sockline nodes next to an official socket.io node with
 * @socket.io/redis-adapter, and @socket.io/redis-emitter publishing from "a worker".
 */
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { createAdapter as createOfficialAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Server as OfficialServer } from "socket.io";
import { connect, eventsOf, installScenario, notes, startSocklineNode, type SocklineNode, type TestClient } from "./helpers/nodes.js";
import { listen, redisServerSkipReason, startRedisServer, waitUntil, type RedisServer } from "@sockline/e2e/support";

const skip = redisServerSkipReason();

describe("interop with the official packages (classic protocol)", { skip }, () => {
  let redis: RedisServer;
  let sockline1: SocklineNode;
  let sockline2: SocklineNode;
  let official: OfficialServer;
  let officialHttp: HttpServer;
  let officialUrl: string;
  const closers: Array<() => unknown> = [];
  const clients: TestClient[] = [];
  let s1: TestClient; // Sockline node 1, room r1
  let s2: TestClient; // Sockline node 2, room r2
  let o1: TestClient; // official node, room r1

  before(async () => {
    redis = await startRedisServer();
    [sockline1, sockline2] = await Promise.all([
      startSocklineNode({ name: "S1", redisUrl: redis.url, singleClient: true }),
      startSocklineNode({ name: "S2", redisUrl: redis.url, flavour: "ioredis" }),
    ]);
    const pub = createClient({ url: redis.url });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    closers.push(
      () => pub.close(),
      () => sub.close(),
    );
    officialHttp = createServer();
    official = new OfficialServer(officialHttp, { adapter: createOfficialAdapter(pub, sub, { requestsTimeout: 2000 }) });
    installScenario(official as any, "official");
    officialUrl = await listen(officialHttp);
    await waitUntil(
      async () => (await sockline1.adapter().serverCount()) === 3 && (await official.of("/").adapter.serverCount()) === 3,
      "3 servers",
    );
    s1 = await connect(sockline1.url, { room: "r1", user: "s1" });
    s2 = await connect(sockline2.url, { room: "r2", user: "s2" });
    o1 = await connect(officialUrl, { room: "r1", user: "o1" });
    clients.push(s1, s2, o1);
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await new Promise<void>((resolve) => official?.close(() => resolve()));
    await Promise.all([sockline1?.close(), sockline2?.close()]);
    for (const close of closers) await close();
    await redis?.stop();
  });

  it("delivers Sockline broadcasts to official-node clients and back", async () => {
    sockline1.io.emit("from-sockline", 1);
    official.to("r1").emit("from-official", Buffer.from("bin"));
    await waitUntil(() => [s1, s2, o1].every((c) => eventsOf(c, "from-sockline").length === 1), "sockline broadcast");
    await waitUntil(() => [s1, o1].every((c) => eventsOf(c, "from-official").length === 1), "official broadcast");
    assert.deepEqual(Buffer.from(eventsOf(s1, "from-official")[0]![0] as ArrayBuffer).toString(), "bin");
    sockline2.io.emit("marker");
    await waitUntil(() => eventsOf(s2, "marker").length === 1, "marker");
    assert.equal(eventsOf(s2, "from-official").length, 0, "s2 is not in r1");
  });

  it("fetches sockets across implementations, both ways", async () => {
    const fromSockline = await sockline2.io.fetchSockets();
    assert.deepEqual(fromSockline.map((s: any) => s.data.user).sort(), ["o1", "s1", "s2"]);
    const officialSocket: any = fromSockline.find((s: any) => s.data.user === "o1");
    assert.deepEqual(new Set(officialSocket.rooms), new Set([o1.id, "r1"]));
    const fromOfficial = await official.in("r1").fetchSockets();
    assert.deepEqual(fromOfficial.map((s) => s.data.user).sort(), ["o1", "s1"]);
    // a RemoteSocket built by the official node acts on the Sockline node that owns it
    const remote = fromOfficial.find((s) => s.data.user === "s1")!;
    remote.emit("poke", "from official");
    await waitUntil(() => eventsOf(s1, "poke").length === 1, "poke");
  });

  it("aggregates acks and serverSideEmit answers across implementations", async () => {
    for (const client of [s1, s2, o1]) client.on("question", (reply: (v: unknown) => void) => reply((client.io.opts.query as any).user));
    const answers = await (sockline1.io.timeout(3000) as any).emitWithAck("question");
    assert.deepEqual([...answers].sort(), ["o1", "s1", "s2"]);
    const officialAnswers = await official.timeout(3000).emitWithAck("question");
    assert.deepEqual([...officialAnswers].sort(), ["o1", "s1", "s2"]);
    assert.deepEqual((await sockline1.io.serverSideEmitWithAck("whoami")).sort(), ["S2", "official"]);
    assert.deepEqual((await official.serverSideEmitWithAck("whoami")).sort(), ["S1", "S2"]);
  });

  it("applies socketsJoin from the official node on Sockline nodes", async () => {
    official.in("r2").socketsJoin("joined-by-official");
    await waitUntil(async () => (await sockline1.io.in("joined-by-official").fetchSockets()).length === 1, "s2 joined");
  });

  for (const flavour of ["node-redis", "ioredis"] as const) {
    it(`delivers @socket.io/redis-emitter broadcasts (${flavour}) to rooms of Sockline clients`, async () => {
      let emitterClient: any;
      if (flavour === "ioredis") {
        emitterClient = new Redis(redis.url);
      } else {
        emitterClient = createClient({ url: redis.url });
        await emitterClient.connect();
      }
      try {
        const emitter = new Emitter(emitterClient);
        const event = `worker-${flavour}`;
        emitter.to("r2").emit(event, { job: 1 });
        emitter.except("r2").emit(`${event}-except`);
        await waitUntil(() => eventsOf(s2, event).length === 1, "emitter room broadcast");
        assert.deepEqual(eventsOf(s2, event)[0], [{ job: 1 }]);
        await waitUntil(() => [s1, o1].every((c) => eventsOf(c, `${event}-except`).length === 1), "emitter except broadcast");
        assert.equal(eventsOf(s1, event).length, 0);
        assert.equal(eventsOf(s2, `${event}-except`).length, 0);
        emitter.in("r1").socketsJoin("from-emitter");
        await waitUntil(async () => (await sockline2.io.in("from-emitter").fetchSockets()).length === 2, "emitter socketsJoin");
        emitter.serverSideEmit("note", `from the emitter (${flavour})`);
        await waitUntil(() => (notes.get("S1") ?? []).includes(`from the emitter (${flavour})`), "emitter serverSideEmit");
      } finally {
        if (flavour === "ioredis") emitterClient.disconnect();
        else await emitterClient.close();
      }
    });
  }
});
