// Scenarios 2 and 7: fan-out. A controller client asks the server to broadcast (`io.emit` or
// `io.to(room).emit`) a ~100-byte payload; the load generator counts each delivery and triggers the
// next broadcast once every receiver got one, keeping `window` broadcasts in flight. Latency is
// trigger-to-delivery on the load generator's clock.
// Cross-node: the controller is on node 0 and the receivers on node 1, so every delivery crosses Redis.
import type { CpuWindow, Metrics } from "../../ipc.js";
import type { BenchClient } from "../../protocol/client.js";
import { closeAll, connectClient, connectMany } from "../../protocol/connect.js";
import { LatencyRecorder, round } from "../../stats.js";
import { BENCH_ROOM } from "../../server/handlers.js";
import { HANDSHAKE_TIMEOUT_MS, param, sleep, waitConnections, type ScenarioContext } from "../context.js";

interface TickPayload {
  k: number;
  pad: string;
}

const PAD = "x".repeat(92); // with {"k":n,"pad":"..."} the payload is about 100 bytes

export interface FanoutShape {
  /** receivers join BENCH_ROOM and the broadcast targets the room only */
  roomSize?: number;
  /** controller on node 0, receivers on node 1 */
  crossNode?: boolean;
}

export async function runFanout(context: ScenarioContext, shape: FanoutShape): Promise<Metrics> {
  const { impl, ports } = context.job;
  const total = param(context, "clients");
  const window = param(context, "window");
  const receiverNode = shape.crossNode ? 1 : 0;
  const receivers = await connectMany(impl, { port: ports[receiverNode]!, timeoutMs: HANDSHAKE_TIMEOUT_MS }, total, 250);
  const extra: BenchClient[] = [];
  try {
    let controller = receivers[0]!;
    if (shape.crossNode) {
      controller = await connectClient(impl, { port: ports[0]!, timeoutMs: HANDSHAKE_TIMEOUT_MS });
      extra.push(controller);
    }
    let targets = receivers;
    if (shape.roomSize !== undefined) {
      targets = receivers.slice(0, shape.roomSize);
      await Promise.all(targets.map((client) => new Promise((resolve) => client.emitWithAck("join", BENCH_ROOM, resolve))));
    }
    if (shape.crossNode) {
      // Wait until both nodes see their clients, so the adapter has subscribed everywhere.
      await waitConnections(context, total, receiverNode);
      await sleep(200);
    }

    const latency = new LatencyRecorder();
    const sentAt = new Map<number, number>();
    const received = new Map<number, number>();
    let nextKey = 0;
    let recording = false;
    let running = true;
    let deliveries = 0;
    let completed = 0;
    let lastProgress = performance.now();
    const trigger = () => {
      const k = nextKey++;
      sentAt.set(k, performance.now());
      received.set(k, 0);
      controller.emit(shape.roomSize !== undefined ? "bcastRoom" : "bcast", { k, pad: PAD } satisfies TickPayload);
    };
    const onTick = (data: unknown) => {
      const k = (data as TickPayload).k;
      const count = (received.get(k) ?? 0) + 1;
      if (recording) {
        deliveries++;
        latency.record(performance.now() - sentAt.get(k)!);
      }
      if (count < targets.length) {
        received.set(k, count);
        return;
      }
      received.delete(k);
      sentAt.delete(k);
      completed++;
      lastProgress = performance.now();
      if (running) trigger();
    };
    for (const client of targets) client.onEvent("tick", onTick);

    for (let i = 0; i < window; i++) trigger();
    await sleep(param(context, "warmupMs"));
    await context.server(receiverNode, { cmd: "cpuStart" });
    recording = true;
    const started = performance.now();
    while (performance.now() - started < context.job.durationMs) {
      await sleep(50);
      if (performance.now() - lastProgress > 5000) throw new Error(`${context.job.scenario} on ${impl}: no broadcast completed for 5 s`);
    }
    recording = false;
    const seconds = (performance.now() - started) / 1000;
    const cpu = (await context.server(receiverNode, { cmd: "cpuStop" })) as CpuWindow;
    running = false;
    // Let the broadcasts in flight land before closing, bounded in time.
    const drainDeadline = performance.now() + 5000;
    while (sentAt.size > 0 && performance.now() < drainDeadline) await sleep(20);
    if (deliveries === 0) throw new Error(`${context.job.scenario} on ${impl}: no delivery during the measured window`);
    return {
      clients: total,
      receivers: targets.length,
      broadcasts: completed,
      deliveries,
      seconds: round(seconds),
      deliveriesPerSec: round(deliveries / seconds),
      p50Ms: round(latency.percentile(50)),
      p99Ms: round(latency.percentile(99)),
      serverUsPerDelivery: round(cpu.cpuUs / deliveries),
      serverCpuPct: round((cpu.cpuUs / 1000 / cpu.wallMs) * 100),
    };
  } finally {
    await closeAll([...extra, ...receivers]);
  }
}
