// The metrics the summary and the chart show for each scenario, which direction is better, and the
// targets of the issue as ratios to the reference measured in the same run.
import type { ScenarioName } from "../ipc.js";

export interface KeyMetric {
  scenario: ScenarioName;
  metric: string;
  label: string;
  better: "lower" | "higher";
  /** Sockline must reach this ratio to the reference: at most (lower is better) or at least (higher) */
  target?: number;
}

export const KEY_METRICS: KeyMetric[] = [
  { scenario: "echo", metric: "serverUsPerOp", label: "echo: server µs/ack", better: "lower", target: 0.75 },
  { scenario: "echo", metric: "opsPerSec", label: "echo: acks/s", better: "higher" },
  { scenario: "echo", metric: "p50Ms", label: "echo: p50 ms", better: "lower" },
  { scenario: "echo", metric: "p99Ms", label: "echo: p99 ms", better: "lower", target: 1 },
  { scenario: "fanout", metric: "serverUsPerDelivery", label: "fan-out 1000: server µs/delivery", better: "lower", target: 0.85 },
  { scenario: "fanout", metric: "deliveriesPerSec", label: "fan-out 1000: deliveries/s", better: "higher" },
  { scenario: "fanout", metric: "p99Ms", label: "fan-out 1000: p99 ms", better: "lower", target: 1 },
  { scenario: "fanout-room", metric: "serverUsPerDelivery", label: "room 100/1000: server µs/delivery", better: "lower", target: 0.85 },
  { scenario: "fanout-room", metric: "deliveriesPerSec", label: "room 100/1000: deliveries/s", better: "higher" },
  { scenario: "fanout-room", metric: "p99Ms", label: "room 100/1000: p99 ms", better: "lower", target: 1 },
  { scenario: "memory", metric: "heapPerConnKB", label: "idle conn: heap KB", better: "lower", target: 0.5 },
  { scenario: "memory", metric: "rssPerConnKB", label: "idle conn: RSS KB", better: "lower", target: 0.65 },
  { scenario: "memory", metric: "heapLeftPerConnB", label: "after disconnect: heap B/conn left", better: "lower" },
  { scenario: "connect", metric: "serverUsPerHandshake", label: "connect: server µs/handshake", better: "lower", target: 0.7 },
  { scenario: "connect", metric: "handshakesPerSec", label: "connect: handshakes/s", better: "higher" },
  { scenario: "polling", metric: "opsPerSec", label: "polling: messages/s", better: "higher", target: 1 },
  { scenario: "polling", metric: "serverUsPerOp", label: "polling: server µs/msg", better: "lower", target: 1 },
  { scenario: "polling", metric: "p99Ms", label: "polling: p99 ms", better: "lower", target: 1 },
  { scenario: "binary", metric: "mbPerSec", label: "binary 64 KiB: MB/s", better: "higher", target: 1 },
  { scenario: "binary", metric: "serverUsPerOp", label: "binary 64 KiB: server µs/echo", better: "lower", target: 1 },
  { scenario: "crossnode", metric: "deliveriesPerSec", label: "cross-node: deliveries/s", better: "higher" },
  { scenario: "crossnode", metric: "serverUsPerDelivery", label: "cross-node: receiver µs/delivery", better: "lower" },
  { scenario: "slow-consumer", metric: "rssGrowthMB", label: "slow consumers: server RSS growth MB", better: "lower" },
  { scenario: "slow-consumer", metric: "heapGrowthMB", label: "slow consumers: server heap growth MB", better: "lower" },
  { scenario: "slow-consumer", metric: "pausedDropped", label: "slow consumers: paused clients dropped", better: "higher" },
  // Sockline only (no reference): each row pair is affinity vs none, measured side by side in one run
  { scenario: "routed-polling", metric: "affinityServerUsPerOp", label: "polling, affinity: server µs/msg (2 nodes)", better: "lower" },
  { scenario: "routed-polling", metric: "routedServerUsPerOp", label: "polling, no affinity: server µs/msg (2 nodes)", better: "lower" },
  { scenario: "routed-polling", metric: "affinityP50Ms", label: "polling, affinity: p50 ms", better: "lower" },
  { scenario: "routed-polling", metric: "routedP50Ms", label: "polling, no affinity: p50 ms", better: "lower" },
  {
    scenario: "routed-ws",
    metric: "affinityServerUsPerOp",
    label: "ws echo, upgraded on the owner: server µs/echo (2 nodes)",
    better: "lower",
  },
  {
    scenario: "routed-ws",
    metric: "relayedServerUsPerOp",
    label: "ws echo, relayed over Redis: server µs/echo (2 nodes)",
    better: "lower",
  },
  { scenario: "routed-ws", metric: "affinityP50Ms", label: "ws echo, upgraded on the owner: p50 ms", better: "lower" },
  { scenario: "routed-ws", metric: "relayedP50Ms", label: "ws echo, relayed over Redis: p50 ms", better: "lower" },
  {
    scenario: "routed-polling-ipc",
    metric: "affinityServerUsPerOp",
    label: "polling (cluster IPC), affinity: server µs/msg",
    better: "lower",
  },
  {
    scenario: "routed-polling-ipc",
    metric: "routedServerUsPerOp",
    label: "polling (cluster IPC), no affinity: server µs/msg",
    better: "lower",
  },
  { scenario: "routed-polling-ipc", metric: "affinityP50Ms", label: "polling (cluster IPC), affinity: p50 ms", better: "lower" },
  { scenario: "routed-polling-ipc", metric: "routedP50Ms", label: "polling (cluster IPC), no affinity: p50 ms", better: "lower" },
  {
    scenario: "routed-ws-ipc",
    metric: "affinityServerUsPerOp",
    label: "ws echo (cluster), upgraded on the owner: server µs/echo",
    better: "lower",
  },
  {
    scenario: "routed-ws-ipc",
    metric: "relayedServerUsPerOp",
    label: "ws echo (cluster), socket passed to the owner: server µs/echo",
    better: "lower",
  },
];

/** Whether `ratio` (implementation / reference) meets the target of `key` (true when there is none). */
export function meetsTarget(key: KeyMetric, ratio: number): boolean {
  if (key.target === undefined || !Number.isFinite(ratio)) return true;
  return key.better === "lower" ? ratio <= key.target : ratio >= key.target;
}

export function describeTarget(key: KeyMetric): string {
  if (key.target === undefined) return "";
  return key.better === "lower" ? `≤ ${key.target}×` : `≥ ${key.target}×`;
}
