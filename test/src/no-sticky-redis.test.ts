// No sticky sessions over Redis (issue #18): three Sockline nodes in their own processes, each with
// a Redis adapter (broadcasts) and the Redis session router (requests of sessions another node
// owns), behind a round-robin proxy that sends every HTTP request and every upgrade to the next
// node. Official socket.io-client clients, polling-only and upgrading, exchange acks both ways,
// join rooms and receive broadcasts: nothing may be refused with "Session ID unknown", every message
// arrives once and in order per sender. Then a node is killed (its clients reconnect and recover
// with the streams adapter), and a frozen node (SIGSTOP) cannot hold a forwarded request past the bound.
//
// NO_STICKY_POLLING / NO_STICKY_UPGRADING set the population (default 100 + 100).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { io, type Socket } from "socket.io-client";
import {
  http,
  pollingHandshake,
  redisServerSkipReason,
  startRedisServer,
  startRoundRobinProxy,
  waitUntil,
  withTimeout,
  type RedisServer,
  type RoundRobinProxy,
} from "@sockline/e2e/support";
import { NodeProcess } from "./no-sticky/node-process.js";
import type { RedisNodeOptions } from "./no-sticky/redis-node.js";

const skip = redisServerSkipReason();
const POLLING = Number(process.env.NO_STICKY_POLLING ?? 100);
const UPGRADING = Number(process.env.NO_STICKY_UPGRADING ?? 100);
const MESSAGES = 3;
const ROOMS = 10;
/** A safety net for one acknowledgement or one connection, not a speed check (the machine may be loaded). */
const ACK_BOUND_MS = 60_000;

/** One client of the test: what it received, and whether it ever lost its connection. */
class Participant {
  readonly socket: Socket;
  /** `said` messages received, by sender: the sequence numbers in arrival order. */
  readonly said = new Map<string, number[]>();
  readonly ticks: number[] = [];
  disconnects = 0;
  reconnects = 0;
  /** The engine session id of the first connection: its prefix names the owner. */
  firstSid = "";

  constructor(
    url: string,
    readonly user: string,
    readonly room: string,
    readonly upgrading: boolean,
  ) {
    this.socket = io(url, {
      forceNew: true,
      transports: upgrading ? ["polling", "websocket"] : ["polling"],
      query: { user, room },
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      randomizationFactor: 0,
    });
    this.socket.on("said", (from: string, seq: number) => {
      let list = this.said.get(from);
      if (!list) this.said.set(from, (list = []));
      list.push(seq);
    });
    this.socket.on("tick", (n: number) => this.ticks.push(n));
    this.socket.on("question", (n: number, ack: (answer: number) => void) => ack(n + 1));
    this.socket.on("disconnect", () => this.disconnects++);
    this.socket.io.on("reconnect", () => this.reconnects++);
  }

  get owner(): string {
    return this.firstSid.slice(0, this.firstSid.indexOf("."));
  }

  async connected(): Promise<void> {
    if (!this.socket.connected) {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          this.socket.once("connect", () => resolve());
          this.socket.once("connect_error", reject);
        }),
        `${this.user} to connect`,
        ACK_BOUND_MS,
      );
    }
    this.firstSid ||= this.socket.io.engine.id;
    if (this.upgrading)
      await waitUntil(() => this.socket.io.engine.transport.name === "websocket", `${this.user} to upgrade`, ACK_BOUND_MS);
  }

  /** MESSAGES rounds of: a broadcast to the room (acked by the server), then an ack round trip server → client → server. */
  async talk(first = 0, count = MESSAGES): Promise<void> {
    for (let seq = first; seq < first + count; seq++) {
      const ack = await this.socket.timeout(ACK_BOUND_MS).emitWithAck("say", seq);
      assert.equal(typeof ack.node, "string");
      assert.equal(await this.socket.timeout(ACK_BOUND_MS).emitWithAck("ask", seq), seq + 1);
    }
  }
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

function population(url: string, polling: number, upgrading: number): Participant[] {
  const all: Participant[] = [];
  for (let i = 0; i < polling + upgrading; i++) all.push(new Participant(url, `u${i}`, `room${i % ROOMS}`, i >= polling));
  return all;
}

/** Every participant got every message of every member of its room once, in order. */
function assertDeliveredOncePerSender(participants: Participant[], expected: number[]): void {
  for (const p of participants) {
    const peers = participants.filter((other) => other.room === p.room);
    for (const peer of peers) assert.deepEqual(p.said.get(peer.user) ?? [], expected, `${p.user} from ${peer.user}`);
  }
}

/** The nodes of one describe and what the test opened on them; filled in its `before`. */
interface Cluster {
  redis: RedisServer;
  nodes: NodeProcess[];
  proxy: RoundRobinProxy;
  participants: Participant[];
}

/**
 * Registers, in the current describe, a `before` that starts redis-server, nodes A, B and C with
 * `options` and the round-robin proxy in front of them, and an `after` that stops it all (the
 * participants' clients first).
 */
function threeNodesBehindProxy(options: Omit<RedisNodeOptions, "name" | "redisUrl">): Cluster {
  const cluster: Partial<Cluster> & Pick<Cluster, "nodes" | "participants"> = { nodes: [], participants: [] };
  before(async () => {
    const redis = (cluster.redis = await startRedisServer());
    cluster.nodes = await Promise.all(["A", "B", "C"].map((name) => NodeProcess.start({ name, redisUrl: redis.url, ...options })));
    cluster.proxy = await startRoundRobinProxy(cluster.nodes.map((node) => node.port));
  });
  after(async () => {
    for (const p of cluster.participants) p.socket.disconnect();
    await cluster.proxy?.close();
    await Promise.all(cluster.nodes.map((node) => node.close()));
    await cluster.redis?.stop();
  });
  return cluster as Cluster;
}

describe("no sticky sessions over Redis: three nodes behind a round-robin proxy", { skip }, () => {
  const cluster = threeNodesBehindProxy({ mode: "classic" });

  it(`serves ${POLLING} polling-only and ${UPGRADING} upgrading clients: acks both ways, rooms, broadcasts, nothing refused`, async () => {
    const { nodes, proxy } = cluster;
    const participants = (cluster.participants = population(proxy.url, POLLING, UPGRADING));
    await inBatches(participants, 25, (p) => p.connected());
    await inBatches(participants, 50, (p) => p.talk());
    await waitUntil(
      () =>
        participants.every(
          (p) =>
            [...p.said.values()].reduce((sum, list) => sum + list.length, 0) >=
            MESSAGES * participants.filter((o) => o.room === p.room).length,
        ),
      "every broadcast delivered",
      60_000,
    );
    assertDeliveredOncePerSender(participants, [0, 1, 2]);
    assert.deepEqual(
      participants.filter((p) => p.disconnects > 0).map((p) => p.user),
      [],
      "no client lost its connection",
    );
    assert.ok(participants.filter((p) => p.upgrading).every((p) => p.socket.io.engine.transport.name === "websocket"));
    const stats = await Promise.all(nodes.map((node) => node.stats()));
    assert.deepEqual(
      stats.map((s) => s.unknownSid),
      [0, 0, 0],
      "no request refused with Session ID unknown",
    );
    // the balancer really spread the sessions' requests: most polls crossed nodes, and so did upgrades
    for (const s of stats) {
      assert.ok(s.router.forwardedPolls > 0, `node ${s.nodeId} forwarded polls`);
      assert.ok(s.router.servedPolls > 0, `node ${s.nodeId} served forwarded polls`);
    }
    if (UPGRADING > 0)
      assert.ok(
        stats.some((s) => s.router.relayedAsEdge > 0),
        "some upgrades were relayed",
      );
    const owners = new Set(participants.map((p) => p.owner));
    assert.deepEqual([...owners].sort(), ["A", "B", "C"]);
    console.log(
      "# per node:",
      JSON.stringify(stats.map((s) => ({ node: s.nodeId, sessions: s.sessions, ...s.router, diagnostics: s.diagnostics }))),
    );
  });
});

describe("no sticky sessions over Redis: a node dies, its clients recover elsewhere (streams adapter)", { skip }, () => {
  const cluster = threeNodesBehindProxy({ mode: "streams", pingInterval: 2000, pingTimeout: 2000 });
  const polling = Math.min(POLLING, 30);
  const upgrading = Math.min(UPGRADING, 30);

  it("kills one node mid-run: its clients reconnect and recover what they missed, the others carry on", async () => {
    const { nodes, proxy } = cluster;
    const participants = (cluster.participants = population(proxy.url, polling, upgrading));
    await inBatches(participants, 20, (p) => p.connected());
    await inBatches(participants, 30, (p) => p.talk(0, 1));
    const [a, , c] = nodes;
    let tick = 0;
    const emitTicks = async (count: number) => {
      for (let i = 0; i < count; i++) await a.call("emit", { event: "tick", args: [tick++] });
    };
    await emitTicks(5);
    await waitUntil(() => participants.every((p) => p.ticks.length === 5), "ticks before the crash");

    await c.kill();
    proxy.remove(c.port);
    // broadcasts go on while C's clients are away: recovery must hand them over
    await emitTicks(5);
    const ofC = participants.filter((p) => p.owner === "C");
    assert.ok(ofC.length > 0);
    await waitUntil(() => ofC.every((p) => p.reconnects > 0 && p.socket.connected), "C's clients reconnected", 60_000);
    await waitUntil(() => participants.every((p) => p.socket.connected), "everyone connected", 60_000);
    await emitTicks(5);
    const all = Array.from({ length: 15 }, (_, i) => i);
    await waitUntil(() => participants.every((p) => p.ticks.length >= 15), "every tick delivered", 60_000);
    for (const p of participants) assert.deepEqual(p.ticks, all, `${p.user} (owner ${p.owner}) got every tick once, in order`);
    for (const p of ofC) assert.ok(p.socket.recovered, `${p.user} recovered its session`);

    // after the crash everyone still talks, through the two nodes left
    await inBatches(participants, 30, (p) => p.talk(1, 1));
    const others = participants.filter((p) => p.owner !== "C");
    const unaffected = others.filter((p) => p.disconnects === 0);
    console.log(
      `# ${ofC.length} clients of the dead node reconnected and recovered; of the ${others.length} others, ` +
        `${unaffected.length} never noticed, ${others.length - unaffected.length} had a request or relayed WebSocket through ` +
        "the dead node at the time and recovered",
    );
    for (const p of others.filter((o) => o.disconnects > 0)) assert.ok(p.socket.recovered, `${p.user} recovered`);
    assert.ok(unaffected.length > 0);
  });
});

describe("no sticky sessions over Redis: a frozen owner (SIGSTOP)", { skip }, () => {
  let redis: RedisServer;
  let nodes: NodeProcess[] = [];

  before(async () => {
    redis = await startRedisServer();
    nodes = await Promise.all(
      ["A", "B"].map((name) =>
        NodeProcess.start({ name, redisUrl: redis.url, mode: "classic", pingInterval: 1000, pingTimeout: 1000, forwardTimeout: 1500 }),
      ),
    );
  });

  after(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await redis?.stop();
  });

  it("answers a request forwarded to a stopped node with Session ID unknown, within the bound", async () => {
    const [a, b] = nodes;
    const { open } = await pollingHandshake(b.url);
    assert.ok(open?.sid.startsWith("B."));
    // the session's GET, sent to A, is forwarded to B, which holds it until the ping is due
    b.pause();
    try {
      const answer = await http(`${a.url}/socket.io/?EIO=4&transport=polling&sid=${open!.sid}`);
      assert.equal(answer.status, 400);
      assert.deepEqual(JSON.parse(answer.body), { code: 1, message: "Session ID unknown" });
    } finally {
      b.resume();
    }
    const stats = await a.stats();
    // A gave up at its forwardTimeout and told B to drop the request (B will find it when it thaws)
    assert.equal(stats.unknownSid, 1);
    assert.deepEqual(stats.router.failedForwards, { abandoned: 1 });
    assert.equal(stats.router.pendingRequests, 0);
  });
});
