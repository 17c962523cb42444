// Run modes and the size of every scenario in each. Full: every implementation, three repeats,
// the sizes of the issue. Quick: one repeat at reduced sizes (about a minute). Smoke: about one
// second per scenario with tiny client counts, for the test suite.
import type { ImplName, ScenarioName } from "../ipc.js";

export type Mode = "full" | "quick" | "smoke";

export interface ScenarioPlan {
  durationMs: number;
  repeats: number;
  params: Record<string, number>;
  /** implementations this scenario cannot run on */
  excludes?: ImplName[];
  /** number of server nodes */
  nodes?: number;
  /**
   * the nodes route each other's sessions (no sticky sessions): Sockline's Redis session router, or
   * `cluster`: one server process, a cluster primary with two workers on their own ports (IPC routing)
   */
  sessionRouter?: "redis" | "cluster";
}

export const ALL_SCENARIOS: ScenarioName[] = [
  "echo",
  "fanout",
  "fanout-room",
  "memory",
  "connect",
  "polling",
  "binary",
  "crossnode",
  "slow-consumer",
  "routed-polling",
  "routed-ws",
  "routed-polling-ipc",
  "routed-ws-ipc",
];

export const ALL_IMPLS: ImplName[] = [
  "socketio",
  "ws",
  "sockline",
  "sockline-fastify",
  "sockline-express",
  "sockline-metrics",
  "sockline-traced",
];

/**
 * Scenarios where the framework mounts can differ from the core: the HTTP side (handshake, upgrade,
 * polling) and what each connection keeps. Once a WebSocket is open, frames go through the same core
 * code whatever the mount, so by default the full run measures the mounts on these scenarios only
 * (an explicit --impls list runs every scenario).
 */
export const MOUNT_SCENARIOS: ScenarioName[] = ["echo", "memory", "connect", "polling"];

export const MOUNT_IMPLS: ImplName[] = ["sockline-fastify", "sockline-express"];

/**
 * Sockline with its metrics exported (prom-client, handler timings, a scrape a second) and with a
 * diagnostics_channel subscriber: what observability costs, measured by default on the scenarios
 * where it runs per message (echo: per packet and handler; fanout: per broadcast copy).
 */
export const OBSERVED_SCENARIOS: ScenarioName[] = ["echo", "fanout"];

export const OBSERVED_IMPLS: ImplName[] = ["sockline-metrics", "sockline-traced"];

/** The reference every ratio is computed against. */
export const REFERENCE: ImplName = "socketio";

const BINARY_BYTES = 64 * 1024;

/** Only Sockline routes sessions between nodes: the routed scenarios compare it with itself (affinity vs none). */
const ROUTED_EXCLUDES: ImplName[] = ["socketio", "ws", "sockline-fastify", "sockline-express"];

/**
 * A routed scenario's plan: Sockline only, and the routing arrangement of `router` (Redis: two server
 * processes routing over Redis; cluster: one server process whose primary routes between two workers).
 */
function routed(router: "redis" | "cluster", plan: Pick<ScenarioPlan, "durationMs" | "repeats" | "params">): ScenarioPlan {
  return router === "redis"
    ? { ...plan, excludes: ROUTED_EXCLUDES, nodes: 2, sessionRouter: "redis" }
    : { ...plan, excludes: ROUTED_EXCLUDES, sessionRouter: "cluster" };
}

export function plans(mode: Mode): Record<ScenarioName, ScenarioPlan> {
  if (mode === "smoke") {
    const d = 1000;
    return {
      echo: { durationMs: d, repeats: 1, params: { clients: 4, warmupMs: 100 } },
      fanout: { durationMs: d, repeats: 1, params: { clients: 20, window: 2, warmupMs: 100 } },
      "fanout-room": { durationMs: d, repeats: 1, params: { clients: 20, roomSize: 10, window: 2, warmupMs: 100 } },
      memory: { durationMs: d, repeats: 1, params: { clients: 100, batch: 50, settleMs: 100 } },
      connect: { durationMs: d, repeats: 1, params: { batch: 5, maxHandshakes: 5000, warmupMs: 100 } },
      polling: { durationMs: d, repeats: 1, params: { clients: 4, warmupMs: 100 }, excludes: ["ws"] },
      binary: { durationMs: d, repeats: 1, params: { clients: 2, payloadBytes: BINARY_BYTES, warmupMs: 100 } },
      crossnode: { durationMs: d, repeats: 1, params: { clients: 20, window: 2, warmupMs: 100 }, excludes: ["ws"], nodes: 2 },
      // enough 1 MB broadcasts to fill the paused client's kernel buffers (~4 MB on loopback) and then 4 MiB more
      "slow-consumer": {
        durationMs: d,
        repeats: 1,
        params: { clients: 20, paused: 1, broadcasts: 20, payloadKB: 1024, settleMs: 100 },
        excludes: ["ws"],
      },
      "routed-polling": routed("redis", { durationMs: d, repeats: 1, params: { clients: 4, warmupMs: 100 } }),
      "routed-ws": routed("redis", { durationMs: d, repeats: 1, params: { clients: 4, warmupMs: 100 } }),
      "routed-polling-ipc": routed("cluster", { durationMs: d, repeats: 1, params: { clients: 4, warmupMs: 100 } }),
      "routed-ws-ipc": routed("cluster", { durationMs: d, repeats: 1, params: { clients: 4, warmupMs: 100 } }),
    };
  }
  const quick = mode === "quick";
  const d = quick ? 800 : 2000;
  const repeats = quick ? 1 : 3;
  const warmupMs = quick ? 200 : 500;
  return {
    echo: { durationMs: d, repeats, params: { clients: 50, warmupMs } },
    fanout: { durationMs: d, repeats, params: { clients: quick ? 200 : 1000, window: 2, warmupMs } },
    "fanout-room": { durationMs: d, repeats, params: { clients: quick ? 200 : 1000, roomSize: 100, window: 2, warmupMs } },
    memory: { durationMs: d, repeats: quick ? 1 : 2, params: { clients: quick ? 1000 : 10_000, batch: 250, settleMs: quick ? 200 : 1000 } },
    connect: { durationMs: d, repeats, params: { batch: 50, maxHandshakes: 100_000, warmupMs } },
    polling: { durationMs: d, repeats, params: { clients: quick ? 50 : 200, warmupMs }, excludes: ["ws"] },
    binary: { durationMs: d, repeats, params: { clients: 4, payloadBytes: BINARY_BYTES, warmupMs } },
    crossnode: {
      durationMs: d,
      repeats: quick ? 1 : 2,
      params: { clients: quick ? 200 : 1000, window: 2, warmupMs },
      excludes: ["ws"],
      nodes: 2,
    },
    "slow-consumer": {
      durationMs: d,
      repeats: quick ? 1 : 2,
      // 1% paused. 200 clients, not the 1,000: a 1 MB broadcast to 1,000 clients takes ~2 s on
      // this 2-core machine, so 30 of them outlast the reference's ping timeout (45 s), which would
      // then drop its paused clients itself and hide what it pins until then
      params: {
        clients: quick ? 100 : 200,
        paused: quick ? 1 : 2,
        broadcasts: quick ? 16 : 30,
        payloadKB: 1024,
        settleMs: quick ? 200 : 500,
      },
      excludes: ["ws"],
    },
    "routed-polling": routed("redis", { durationMs: d, repeats, params: { clients: quick ? 50 : 200, warmupMs } }),
    "routed-ws": routed("redis", { durationMs: d, repeats, params: { clients: 50, warmupMs } }),
    "routed-polling-ipc": routed("cluster", { durationMs: d, repeats, params: { clients: quick ? 50 : 200, warmupMs } }),
    "routed-ws-ipc": routed("cluster", { durationMs: d, repeats, params: { clients: 50, warmupMs } }),
  };
}
