// No sticky sessions (issue #18): what serving a session on a node that does not own it costs.
// Two Sockline nodes route each other's sessions: two processes sharing a Redis server (the Redis
// session router; `routed-*`), or two cluster workers of one primary (IPC; `routed-*-ipc`). Each
// scenario measures the same closed loop twice in one run, side by side: with affinity (every
// request of a session on its owner, as behind a sticky balancer) and without (requests spread over
// both nodes, so about half of them are forwarded to the owner; or the upgrade goes through the
// other node: relayed over Redis, its socket passed to the owner over IPC). Server CPU is summed
// over every process: forwarding costs on the node that forwards, on the owner, and on the primary.
import { Agent } from "node:http";
import type { CpuWindow, Metrics } from "../../ipc.js";
import { SioPollingClient } from "../../protocol/sio-polling.js";
import { SioUpgradedClient } from "../../protocol/sio-upgraded.js";
import { round } from "../../stats.js";
import { closedLoop, type Request } from "../closed-loop.js";
import { HANDSHAKE_TIMEOUT_MS, param, type Scenario, type ScenarioContext } from "../context.js";

interface Closable {
  close(): Promise<void>;
}

/** One measured closed loop with both nodes' CPU: ops/s, latency, µs of server CPU (both nodes) per op. */
async function measureBothNodes(context: ScenarioContext, workers: Request[]): Promise<Metrics> {
  const nodes = context.job.servers ?? context.job.ports.length;
  const cpu: CpuWindow[] = [];
  const all = Array.from({ length: nodes }, (_, node) => node);
  const result = await closedLoop(workers, {
    warmupMs: param(context, "warmupMs"),
    durationMs: context.job.durationMs,
    onMeasureStart: async () => {
      await Promise.all(all.map((node) => context.server(node, { cmd: "cpuStart" })));
    },
    onMeasureEnd: async () => {
      cpu.push(...((await Promise.all(all.map((node) => context.server(node, { cmd: "cpuStop" })))) as CpuWindow[]));
    },
  });
  if (result.ops === 0) throw new Error(`${context.job.scenario}: no reply during the measured window`);
  const cpuUs = cpu.reduce((sum, window) => sum + window.cpuUs, 0);
  return {
    seconds: round(result.seconds),
    opsPerSec: round(result.ops / result.seconds),
    p50Ms: round(result.latency.percentile(50)),
    p99Ms: round(result.latency.percentile(99)),
    serverUsPerOp: round(cpuUs / result.ops),
    stuck: result.stuck,
  };
}

/** Runs `phase` with fresh clients from `open`, then closes them (also on failure). */
async function withClients<C extends Closable>(
  count: number,
  open: (index: number) => Promise<C>,
  phase: (clients: C[]) => Promise<Metrics>,
) {
  const clients: C[] = [];
  try {
    for (let start = 0; start < count; start += 50) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(50, count - start) }, (_, i) => open(start + i)));
      for (const outcome of batch) if (outcome.status === "fulfilled") clients.push(outcome.value);
      const failure = batch.find((outcome) => outcome.status === "rejected");
      if (failure) throw (failure as PromiseRejectedResult).reason;
    }
    return await phase(clients);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** Prefixes every metric of `metrics` with `prefix` (`opsPerSec` -> `affinityOpsPerSec`). */
function prefixed(prefix: string, metrics: Metrics): Metrics {
  return Object.fromEntries(Object.entries(metrics).map(([name, value]) => [prefix + name[0]!.toUpperCase() + name.slice(1), value]));
}

function sideBySide(affinity: Metrics, routed: Metrics, routedName: string): Metrics {
  return {
    seconds: round(affinity["seconds"]! + routed["seconds"]!),
    ...prefixed("affinity", affinity),
    ...prefixed(routedName, routed),
    // the cost of no affinity in one figure each: > 1 means it costs more
    [`${routedName}CpuRatio`]: round(routed["serverUsPerOp"]! / affinity["serverUsPerOp"]!),
    [`${routedName}P50Ratio`]: round(routed["p50Ms"]! / affinity["p50Ms"]!),
  };
}

/** Polling-only clients in a closed loop of echo with ack; without affinity each request goes to the next node. */
export const routedPolling: Scenario = async (context) => {
  const { ports } = context.job;
  const count = param(context, "clients");
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const payload = { n: 42, text: "hello over long-polling" };
  const loop = (clients: SioPollingClient[]) =>
    measureBothNodes(
      context,
      clients.map((client) => (done: () => void) => client.emitWithAck("echo", payload, done)),
    );
  try {
    const affinity = await withClients(count, () => SioPollingClient.connect(agent, ports[0]!, HANDSHAKE_TIMEOUT_MS), loop);
    // sessions alternate between the owners, and every request of a session goes to the next node
    const rotated = (index: number) => ports.map((_, i) => ports[(index + i) % ports.length]!);
    const routed = await withClients(count, (index) => SioPollingClient.connect(agent, rotated(index), HANDSHAKE_TIMEOUT_MS), loop);
    return { clients: count, ...sideBySide(affinity, routed, "routed") };
  } finally {
    agent.destroy();
  }
};

/** WebSocket echo with ack after the upgrade: upgraded on the owner (local) or through the other node (relayed). */
export const routedWebSocket: Scenario = async (context) => {
  const { ports } = context.job;
  const count = param(context, "clients");
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const payload = { n: 42, text: "hello over a websocket" };
  const loop = (clients: SioUpgradedClient[]) =>
    measureBothNodes(
      context,
      clients.map((client) => (done: () => void) => client.emitWithAck("echo", payload, done)),
    );
  try {
    const local = await withClients(count, () => SioUpgradedClient.connect(agent, ports[0]!, ports[0]!, HANDSHAKE_TIMEOUT_MS), loop);
    const relayed = await withClients(count, () => SioUpgradedClient.connect(agent, ports[0]!, ports[1]!, HANDSHAKE_TIMEOUT_MS), loop);
    return { clients: count, ...sideBySide(local, relayed, "relayed") };
  } finally {
    agent.destroy();
  }
};
