// Shared shape of the request/reply scenarios (echo, binary, polling): a closed loop over clients,
// server CPU measured around the window, metrics per operation.
import type { CpuWindow, Metrics } from "../../ipc.js";
import { round } from "../../stats.js";
import { closedLoop, type Request } from "../closed-loop.js";
import type { ScenarioContext } from "../context.js";

export async function measureRequestLoop(context: ScenarioContext, workers: Request[], warmupMs: number): Promise<Metrics> {
  let cpu: CpuWindow | undefined;
  const result = await closedLoop(workers, {
    warmupMs,
    durationMs: context.job.durationMs,
    onMeasureStart: async () => {
      await context.server(0, { cmd: "cpuStart" });
    },
    onMeasureEnd: async () => {
      cpu = (await context.server(0, { cmd: "cpuStop" })) as CpuWindow;
    },
  });
  if (result.ops === 0) throw new Error(`${context.job.scenario}: no reply during the measured window`);
  return {
    ops: result.ops,
    seconds: round(result.seconds),
    opsPerSec: round(result.ops / result.seconds),
    p50Ms: round(result.latency.percentile(50)),
    p99Ms: round(result.latency.percentile(99)),
    serverUsPerOp: round(cpu!.cpuUs / result.ops),
    serverCpuPct: round((cpu!.cpuUs / 1000 / cpu!.wallMs) * 100),
    stuck: result.stuck,
  };
}
