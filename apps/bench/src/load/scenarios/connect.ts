// Scenario 4: connection rate. Batches of `batch` concurrent WebSocket handshakes (Engine.IO open +
// Socket.IO CONNECT), each batch closed before the next, for the measured window. The server CPU per
// handshake therefore includes the disconnect that follows it.
import type { Metrics } from "../../ipc.js";
import type { BenchClient } from "../../protocol/client.js";
import { closeAll, connectClient } from "../../protocol/connect.js";
import { LatencyRecorder, round } from "../../stats.js";
import { cpuWindow, HANDSHAKE_TIMEOUT_MS, param, waitConnections, type Scenario } from "../context.js";

export const connect: Scenario = async (context): Promise<Metrics> => {
  const { impl, ports } = context.job;
  const batchSize = param(context, "batch");
  const maxHandshakes = param(context, "maxHandshakes");
  let latency = new LatencyRecorder();
  const options = { port: ports[0]!, timeoutMs: HANDSHAKE_TIMEOUT_MS };

  const runBatch = async (): Promise<number> => {
    const settled = await Promise.allSettled(
      Array.from({ length: batchSize }, async () => {
        const started = performance.now();
        const client = await connectClient(impl, options);
        latency.record(performance.now() - started);
        return client;
      }),
    );
    const clients = settled.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    await closeAll(clients as BenchClient[]);
    const failure = settled.find((outcome) => outcome.status === "rejected");
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return clients.length;
  };

  const warmupEnd = performance.now() + param(context, "warmupMs");
  while (performance.now() < warmupEnd) await runBatch();
  await waitConnections(context, 0);
  latency = new LatencyRecorder();

  let handshakes = 0;
  const [seconds, cpu] = await cpuWindow(context, 0, async () => {
    const started = performance.now();
    while (performance.now() - started < context.job.durationMs && handshakes < maxHandshakes) handshakes += await runBatch();
    // The server's side of the last closes is part of the cost of those handshakes.
    await waitConnections(context, 0, 0, 5000);
    return (performance.now() - started) / 1000;
  });
  return {
    batch: batchSize,
    handshakes,
    seconds: round(seconds),
    handshakesPerSec: round(handshakes / seconds),
    p50Ms: round(latency.percentile(50)),
    p99Ms: round(latency.percentile(99)),
    serverUsPerHandshake: round(cpu.cpuUs / handshakes),
    serverCpuPct: round((cpu.cpuUs / 1000 / cpu.wallMs) * 100),
  };
};
