// No sticky sessions on one machine (issue #18): a `node:cluster` primary with 4 workers sharing one
// port, Node's default round-robin scheduling, no sticky module (cluster-app.ts). Sockline's cluster
// router forwards the requests of each session to the worker that owns it; `@socket.io/cluster-adapter`
// carries broadcasts between workers. Real processes, the official socket.io-client.
// CLUSTER_CLIENTS sets the number of clients of each kind (polling-only, upgrading); default 100.
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { io, type Socket as ClientSocket } from "socket.io-client";
import { waitUntil, withTimeout } from "@sockline/e2e/support";
import type { ClusterCommand, ClusterReport } from "./cluster-app.js";

const CLIENTS = Number(process.env.CLUSTER_CLIENTS ?? 100);
const ROOMS = 10;
const SAYS = 5;
const ECHOES = 3;
const ASKS = 2;
const LONG = 120_000;

interface Tracked {
  client: ClientSocket;
  index: number;
  kind: "polling" | "upgrading";
  /** The worker that owns the client's current session (its "hello"). */
  node: string;
  nodes: string[];
  disconnects: string[];
  /** "said" messages received, by sender: their sequence numbers in arrival order. */
  said: Map<string, number[]>;
}

class ClusterProcess {
  readonly reports: ClusterReport[] = [];
  readonly exited: Promise<unknown>;
  private constructor(readonly child: ChildProcess) {
    child.on("message", (report: ClusterReport) => this.reports.push(report));
    this.exited = new Promise((resolve) => child.once("exit", resolve));
  }

  static async start(): Promise<{ cluster: ClusterProcess; port: number; nodes: string[] }> {
    const script = fileURLToPath(new URL("./cluster-app.js", import.meta.url));
    // short heartbeats: pings and pongs cross the workers many times during the test
    const env = { ...process.env, WORKERS: "4", PING_INTERVAL: "2000", PING_TIMEOUT: "10000" };
    const child = fork(script, { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const cluster = new ClusterProcess(child);
    const ready = await withTimeout(
      new Promise<Extract<ClusterReport, { type: "ready" }>>((resolve, reject) => {
        child.on("message", (r: ClusterReport) => r.type === "ready" && resolve(r));
        child.once("exit", (code) => reject(new Error(`cluster exited with ${code} before it was ready`)));
      }),
      "the cluster to start",
      LONG,
    );
    return { cluster, port: ready.port, nodes: ready.nodes };
  }

  command(command: ClusterCommand): void {
    this.child.send(command);
  }

  count(type: ClusterReport["type"]): number {
    return this.reports.filter((r) => r.type === type).length;
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    await withTimeout(this.exited, "the cluster to exit", LONG);
  }
}

function track(client: ClientSocket, index: number, kind: Tracked["kind"]): Tracked {
  const tracked: Tracked = { client, index, kind, node: "", nodes: [], disconnects: [], said: new Map() };
  client.on("hello", (node: string) => {
    tracked.node = node;
    tracked.nodes.push(node);
  });
  const started = Date.now();
  client.on("disconnect", (reason: string) => tracked.disconnects.push(`${reason}@${Date.now() - started}ms`));
  client.on("question", (n: number, ack: (answer: number) => void) => ack(n * 2));
  client.on("said", (from: string, n: number) => {
    const list = tracked.said.get(from) ?? [];
    list.push(n);
    tracked.said.set(from, list);
  });
  return tracked;
}

/** Waits until every upgrading client is on websocket; on failure says which are not, and where they are. */
async function upgraded(clients: Tracked[]): Promise<void> {
  const pending = () => clients.filter((c) => c.kind === "upgrading" && c.client.io.engine.transport.name !== "websocket");
  try {
    await waitUntil(() => pending().length === 0, "the upgrading clients to upgrade", LONG);
  } catch (error) {
    const state = pending().map(
      (c) => `client ${c.index} on ${c.node} (${c.client.connected ? "connected" : "disconnected"}, ${c.disconnects.join("/")})`,
    );
    throw new Error(`${(error as Error).message}: ${state.join("; ")}`);
  }
}

async function connectAll(port: number, count: number, options: { reconnection: boolean; prefix: string }): Promise<Tracked[]> {
  const all: Tracked[] = [];
  // in batches: 2 cores run the test, the primary and 4 workers
  for (let start = 0; start < count * 2; start += 20) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(start + 20, count * 2); i++) {
      const kind = i % 2 === 0 ? "polling" : "upgrading";
      const client = io(`http://127.0.0.1:${port}`, {
        forceNew: true,
        reconnection: options.reconnection,
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
        transports: kind === "polling" ? ["polling"] : ["polling", "websocket"],
        // each HTTP request on a connection of its own: every request meets the round-robin again
        // (and no pooled keep-alive connection races the server's keepAliveTimeout)
        agent: false,
        query: { name: `${options.prefix}${i}` },
      });
      const tracked = track(client, i, kind);
      all.push(tracked);
      batch.push(
        withTimeout(
          new Promise<void>((resolve, reject) => {
            client.once("hello", () => resolve());
            client.once("connect_error", reject);
          }),
          `client ${i} to connect`,
          LONG,
        ),
      );
    }
    await Promise.all(batch);
  }
  return all;
}

function closeAll(clients: Tracked[]): void {
  for (const { client } of clients) client.close();
}

describe("cluster: 4 workers, round-robin, no sticky sessions", { timeout: 10 * 60_000 }, () => {
  let cluster: ClusterProcess;
  let port: number;
  let nodes: string[];
  before(async () => {
    ({ cluster, port, nodes } = await ClusterProcess.start());
  });
  after(async () => {
    await cluster?.stop();
  });

  it(`serves ${CLIENTS} polling-only and ${CLIENTS} upgrading clients: acks both ways, rooms, broadcasts; no Session ID unknown, every message once and in order`, async () => {
    const clients = await connectAll(port, CLIENTS, { reconnection: false, prefix: "c" });
    try {
      const owners = new Set(clients.map((c) => c.node));
      assert.equal(owners.size, nodes.length, `sessions on every worker (got ${[...owners].join(", ")})`);
      await upgraded(clients);
      assert.ok(clients.every((c) => c.kind === "upgrading" || c.client.io.engine.transport.name === "polling"));

      const rooms = new Map<string, Tracked[]>();
      await Promise.all(
        clients.map(async (c) => {
          const room = `r${c.index % ROOMS}`;
          const member = rooms.get(room) ?? [];
          member.push(c);
          rooms.set(room, member);
          assert.equal(await c.client.timeout(LONG).emitWithAck("join", room), c.node);
        }),
      );

      // acks both ways
      await Promise.all(
        clients.map(async (c) => {
          for (let n = 0; n < ECHOES; n++) assert.equal(await c.client.timeout(LONG).emitWithAck("echo", n), n);
          for (let n = 1; n <= ASKS; n++) assert.equal(await c.client.timeout(LONG).emitWithAck("ask", n), n * 2);
        }),
      );

      // broadcasts to rooms whose members live on every worker
      for (let n = 0; n < SAYS; n++) for (const c of clients) c.client.emit("say", `r${c.index % ROOMS}`, `c${c.index}`, n);
      const expected = (c: Tracked) => (rooms.get(`r${c.index % ROOMS}`)!.length - 1) * SAYS;
      const received = (c: Tracked) => [...c.said.values()].reduce((sum, list) => sum + list.length, 0);
      await waitUntil(() => clients.every((c) => received(c) >= expected(c)), "every broadcast to arrive", LONG);

      for (const c of clients) {
        const room = rooms.get(`r${c.index % ROOMS}`)!;
        assert.equal(received(c), expected(c), `client ${c.index}: every message once`);
        for (const other of room) {
          if (other === c) continue;
          assert.deepEqual(c.said.get(`c${other.index}`), [0, 1, 2, 3, 4], `client ${c.index} from ${other.index}: in order`);
        }
        assert.deepEqual(c.disconnects, [], `client ${c.index} stayed connected`);
      }
      assert.equal(cluster.count("unknown-sid"), 0, "no Session ID unknown");
      assert.deepEqual(
        cluster.reports.filter((r) => r.type === "diagnostic"),
        [],
        "no diagnostic",
      );
    } finally {
      closeAll(clients);
    }
  });

  it("refuses broken routing messages from a worker (reported by the primary) and keeps routing", async () => {
    const before = cluster.reports.length;
    cluster.command({ type: "hostile", node: nodes[1]! });
    await waitUntil(() => cluster.reports.some((r) => r.type === "hostile-sent"), "the worker to send its messages", LONG);
    // the primary reads its IPC in order: a client exchange after this proves the messages were all handled
    const clients = await connectAll(port, 4, { reconnection: false, prefix: "h" });
    try {
      await Promise.all(clients.map(async (c) => assert.equal(await c.client.timeout(LONG).emitWithAck("echo", 7), 7)));
    } finally {
      closeAll(clients);
    }
    const refused = cluster.reports.slice(before).filter((r) => r.type === "diagnostic");
    assert.deepEqual(
      refused.map((r) => r.type === "diagnostic" && `${r.node} ${r.kind} ${r.name}`),
      Array(6).fill("primary violation invalid-ipc-message"),
    );
    assert.match(
      JSON.stringify(refused),
      /format version 2.*unknown message type.*invalid id.*invalid poll method.*too many headers.*invalid answer status/,
    );
    assert.equal(cluster.count("unknown-sid"), 0);
  });

  it("kill a worker mid-run: its clients reconnect to the others; upgraded clients of the others are unaffected", async () => {
    const count = Math.max(10, Math.floor(CLIENTS / 4));
    const clients = await connectAll(port, count, { reconnection: true, prefix: "k" });
    let running = true;
    const traffic: Promise<void>[] = [];
    try {
      await upgraded(clients);
      // traffic keeps flowing while the worker dies
      for (const c of clients) {
        traffic.push(
          (async () => {
            let n = 0;
            while (running) {
              if (c.client.connected)
                await c.client
                  .timeout(2_000)
                  .emitWithAck("echo", n++)
                  .catch(() => undefined);
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          })(),
        );
      }
      const victim = clients[0]!.node;
      const victims = clients.filter((c) => c.node === victim);
      const survivors = clients.filter((c) => c.node !== victim);
      cluster.command({ type: "kill", node: victim });
      await waitUntil(() => cluster.reports.some((r) => r.type === "killed" && r.node === victim), "the worker to die", LONG);

      await waitUntil(
        () => victims.every((c) => c.client.connected && c.node !== victim),
        "the dead worker's clients to reconnect elsewhere",
        LONG,
      );
      for (const c of victims) assert.ok(c.disconnects.length >= 1, `client ${c.index} of the dead worker was disconnected`);

      // an upgraded client talks to its owner directly (its socket was passed): the dead worker was never in its path
      const upgradedSurvivors = survivors.filter((c) => c.kind === "upgrading");
      for (const c of upgradedSurvivors) assert.deepEqual(c.disconnects, [], `upgraded client ${c.index} of ${c.node} unaffected`);
      // a polling client of another worker loses a request only if it was in flight through the dead worker
      const hitPolling = () => survivors.filter((c) => c.kind === "polling" && c.disconnects.length > 0);
      console.log(
        `# killed ${victim}: ${victims.length} of its clients reconnected; ${upgradedSurvivors.length} upgraded clients of other workers unaffected; ` +
          `${hitPolling().length} of ${survivors.length - upgradedSurvivors.length} polling clients of other workers had a request in flight through it`,
      );
      await waitUntil(() => clients.every((c) => c.client.connected), "every client to be connected", LONG);
      running = false;
      await Promise.all(traffic);
      // A connection that Node's cluster was handing to the worker when it died is never answered
      // (the primary keeps it open, see docs/session-routing.md): a polling client whose request
      // took it stalls until the ping timeout closes its session, then reconnects. So a client may
      // still go through a reconnection here: its echo is asked again once it is back.
      const echoOnceConnected = async (c: Tracked): Promise<unknown> => {
        for (let attempt = 0; ; attempt++) {
          if (!c.client.connected)
            await withTimeout(new Promise<void>((resolve) => c.client.once("connect", () => resolve())), `client ${c.index} back`, LONG);
          try {
            return await c.client.timeout(LONG).emitWithAck("echo", -1);
          } catch (error) {
            if (attempt > 0 || c.kind === "upgrading") throw error;
          }
        }
      };
      const final = await Promise.allSettled(clients.map(echoOnceConnected));
      const failed = final.flatMap((outcome, i) => {
        if (outcome.status === "fulfilled" && outcome.value === -1) return [];
        const c = clients[i]!;
        return [
          `client ${c.index} (${c.kind}, nodes ${c.nodes.join(">")}, disconnects ${c.disconnects.join("/")}): ${outcome.status === "rejected" ? String(outcome.reason) : JSON.stringify(outcome.value)}`,
        ];
      });
      console.log(`# after the kill, ${hitPolling().length} polling clients of other workers went through a reconnection in all`);
      assert.deepEqual(
        failed,
        [],
        `every client answers after the kill; reports: ${JSON.stringify(cluster.reports.filter((r) => r.type !== "unknown-sid"))}`,
      );
    } finally {
      running = false;
      closeAll(clients);
    }
  });
});
