// The benchmark runner: `node apps/bench/dist/run.js [--quick|--smoke] [options]`.
// Verifies each implementation with the official client, then runs every scenario with the
// implementations alternating (A B C A B C ...) for each repeat, one fresh server process and one
// load-generator process per measurement. Writes one JSON line per result to stdout and to
// <out>/results.jsonl, then prints the ratio table and writes <out>/summary.md and <out>/ratios.svg.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImplName, ScenarioName } from "./ipc.js";
import { ratioChart } from "./report/chart.js";
import type { Line, ResultLine } from "./report/lines.js";
import { summarize, summaryTable } from "./report/summary.js";
import { availableImpls, ensureFdLimit, machine } from "./runner/environment.js";
import {
  ALL_IMPLS,
  ALL_SCENARIOS,
  MOUNT_IMPLS,
  MOUNT_SCENARIOS,
  OBSERVED_IMPLS,
  OBSERVED_SCENARIOS,
  plans,
  REFERENCE,
  type Mode,
  type ScenarioPlan,
} from "./runner/config.js";
import { startServer, runLoad, type ServerProcess } from "./runner/processes.js";
import { startRedis, type RedisProcess } from "./runner/redis.js";
import { verifyWithOfficialClient } from "./runner/verify.js";
import { isAvailable } from "./server/optional.js";

interface Options {
  mode: Mode;
  impls?: ImplName[];
  scenarios: ScenarioName[];
  repeats?: number;
  durationMs?: number;
  out: string;
  profile: boolean;
  heapSnapshot: boolean;
  verify: boolean;
  /** re-render the report of an earlier run from its results.jsonl instead of measuring */
  from?: string;
}

const USAGE = `usage: node apps/bench/dist/run.js [--quick | --smoke] [--impls=a,b] [--scenarios=a,b]
  [--repeats=N] [--duration=MS] [--out=DIR] [--profile] [--heap-snapshot] [--no-verify]
  [--from=results.jsonl]   (only re-render the table and chart of an earlier run)
implementations: ${ALL_IMPLS.join(", ")}
scenarios: ${ALL_SCENARIOS.join(", ")}`;

function parseArgs(argv: string[]): Options {
  const options: Options = {
    mode: "full",
    scenarios: ALL_SCENARIOS,
    out: fileURLToPath(new URL("../results", import.meta.url)),
    profile: false,
    heapSnapshot: false,
    verify: true,
  };
  for (const arg of argv) {
    const [name, value = ""] = arg.split("=", 2) as [string, string?];
    const list = () => value.split(",").filter(Boolean);
    switch (name) {
      case "--quick":
        options.mode = "quick";
        break;
      case "--smoke":
        options.mode = "smoke";
        break;
      case "--impls":
        options.impls = list().map((impl) => {
          if (!ALL_IMPLS.includes(impl as ImplName)) throw new Error(`unknown implementation "${impl}"\n${USAGE}`);
          return impl as ImplName;
        });
        break;
      case "--scenarios":
        options.scenarios = list().map((scenario) => {
          if (!ALL_SCENARIOS.includes(scenario as ScenarioName)) throw new Error(`unknown scenario "${scenario}"\n${USAGE}`);
          return scenario as ScenarioName;
        });
        break;
      case "--repeats":
        options.repeats = Math.max(1, Number(value));
        break;
      case "--duration":
        options.durationMs = Math.max(100, Number(value));
        break;
      case "--out":
        options.out = resolve(value);
        break;
      case "--profile":
        options.profile = true;
        break;
      case "--heap-snapshot":
        options.heapSnapshot = true;
        break;
      case "--from":
        options.from = resolve(value);
        break;
      case "--no-verify":
        options.verify = false;
        break;
      case "--help":
        console.log(USAGE);
        return process.exit(0);
      default:
        throw new Error(`unknown option "${arg}"\n${USAGE}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.from !== undefined) return reportFrom(options.from, options.out);
  const scenarioPlans = plans(options.mode);
  const softLimit = ensureFdLimit(scenarioPlans.memory.params["clients"]! + 1000, fileURLToPath(import.meta.url));
  const memoryClients = scenarioPlans.memory.params["clients"]!;
  if (softLimit < memoryClients + 500) {
    scenarioPlans.memory.params["clients"] = Math.max(100, softLimit - 500);
    console.error(
      `# file-descriptor limit ${softLimit}: memory scenario scaled down from ${memoryClients} to ${scenarioPlans.memory.params["clients"]} clients`,
    );
  }

  mkdirSync(options.out, { recursive: true });
  if (options.profile || options.heapSnapshot) mkdirSync(join(options.out, "profiles"), { recursive: true });
  const jsonlPath = join(options.out, "results.jsonl");
  writeFileSync(jsonlPath, "");
  const lines: Line[] = [];
  const emit = (line: Line) => {
    lines.push(line);
    const text = JSON.stringify(line);
    console.log(text);
    appendFileSync(jsonlPath, text + "\n");
  };
  const progress = (text: string) => console.error(`# ${text}`);
  progress(`mode ${options.mode} on ${machine()}; results in ${options.out}`);

  const { impls: candidates, missing } = await availableImpls(options.impls, options.mode);
  for (const impl of missing) {
    for (const scenario of options.scenarios)
      emit({ type: "skip", scenario, impl, reason: `${impl} is not built yet (its package does not load or lacks its entry point)` });
  }
  const impls: ImplName[] = [];
  for (const impl of candidates) {
    if (!options.verify) {
      impls.push(impl);
      continue;
    }
    const verification = await verifyWithOfficialClient(impl);
    emit({ type: "verify", ...verification });
    if (verification.ok) impls.push(impl);
  }

  let redis: RedisProcess | undefined;
  // Forked servers and load generators exit when this process goes away (IPC disconnect); the
  // redis-server has no IPC channel, so stop it explicitly on an interrupt.
  const onSignal = (signal: NodeJS.Signals) => {
    void (redis?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const runs: Array<{ scenario: ScenarioName; impl: ImplName; repeat: number; plan: ScenarioPlan }> = [];
    for (const scenario of options.scenarios) {
      const plan: ScenarioPlan = { ...scenarioPlans[scenario] };
      if (options.repeats !== undefined) plan.repeats = options.repeats;
      if (options.durationMs !== undefined) plan.durationMs = options.durationMs;
      let runnable = impls.filter((impl) => !plan.excludes?.includes(impl));
      if (options.impls === undefined && !MOUNT_SCENARIOS.includes(scenario))
        runnable = runnable.filter((impl) => !MOUNT_IMPLS.includes(impl));
      if (options.impls === undefined && !OBSERVED_SCENARIOS.includes(scenario))
        runnable = runnable.filter((impl) => !OBSERVED_IMPLS.includes(impl));
      for (const impl of impls.filter((impl) => plan.excludes?.includes(impl)))
        emit({ type: "skip", scenario, impl, reason: `${scenario} does not apply to ${impl}` });
      if ((plan.nodes ?? 1) > 1) {
        const socklineRedis = await isAvailable("@sockline/redis-adapter", "createAdapter");
        const skipped = socklineRedis ? [] : runnable.filter((impl) => impl.startsWith("sockline"));
        for (const impl of skipped)
          emit({ type: "skip", scenario, impl, reason: "@sockline/redis-adapter is not built yet (no createAdapter export)" });
        runnable = runnable.filter((impl) => !skipped.includes(impl));
        if (runnable.length > 0 && !redis) {
          try {
            redis = await startRedis();
          } catch (error) {
            for (const impl of runnable) emit({ type: "skip", scenario, impl, reason: (error as Error).message });
            runnable = [];
          }
        }
      }
      for (let repeat = 0; repeat < plan.repeats; repeat++) {
        for (const impl of runnable) runs.push({ scenario, impl, repeat, plan });
      }
    }

    let index = 0;
    for (const { scenario, impl, repeat, plan } of runs) {
      index++;
      const line = await runOnce(scenario, impl, repeat, plan, options, redis?.url);
      emit(line);
      if (line.type === "result") {
        const headline = Object.entries(line.metrics)
          .filter(([name]) => /PerSec|PerOp|PerDelivery|PerHandshake|PerConnKB|p99Ms/.test(name))
          .map(([name, value]) => `${name}=${value}`)
          .join(" ");
        progress(`[${index}/${runs.length}] ${scenario} ${impl} #${repeat + 1}: ${headline}`);
      } else if (line.type === "error") {
        progress(`[${index}/${runs.length}] ${scenario} ${impl} #${repeat + 1}: FAILED ${line.error.split("\n")[0]}`);
      }
    }
  } finally {
    await redis?.stop();
  }

  writeReport(lines, impls, options.mode, options.out, new Date());
  const failures = lines.filter((line) => line.type === "error" || (line.type === "verify" && !line.ok)).length;
  process.exitCode = failures > 0 ? 1 : 0;
}

/** Prints the ratio table and writes <out>/summary.md and <out>/ratios.svg. */
function writeReport(lines: readonly Line[], impls: readonly ImplName[], mode: string, out: string, at: Date): void {
  const judged = impls.filter((impl) => impl.startsWith("sockline"));
  const rows = summarize(lines, impls, REFERENCE);
  const table = summaryTable(rows, impls, REFERENCE, judged);
  const title = `Sockline bench (${mode}), ${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "ratios.svg"), ratioChart(rows, impls, REFERENCE, title));
  writeFileSync(join(out, "summary.md"), `# ${title}\n\nMachine: ${machine()}\n\n${table}\n`);
  console.log(`\n## Summary (median of repeats; ratio to ${REFERENCE} in parentheses)\n\n${table}\n`);
  console.error(`# chart: ${join(out, "ratios.svg")}`);
}

/** `--from`: the report of an earlier run, from its JSON lines (the date is that of its first result). */
function reportFrom(file: string, out: string): void {
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((text) => text.startsWith("{"))
    .map((text) => JSON.parse(text) as Line);
  const results = lines.filter((line): line is ResultLine => line.type === "result");
  if (results.length === 0) throw new Error(`${file}: no result lines`);
  const impls = ALL_IMPLS.filter((impl) => results.some((line) => line.impl === impl));
  writeReport(lines, impls, results[0]!.mode, out, new Date(results[0]!.at));
}

async function runOnce(
  scenario: ScenarioName,
  impl: ImplName,
  repeat: number,
  plan: ScenarioPlan,
  options: Options,
  redisUrl: string | undefined,
): Promise<Line> {
  const servers: ServerProcess[] = [];
  const at = new Date().toISOString();
  try {
    const nodes = plan.nodes ?? 1;
    for (let node = 0; node < nodes; node++) {
      servers.push(
        await startServer(impl, {
          redisUrl: nodes > 1 ? redisUrl : undefined,
          sessionRouter: plan.sessionRouter,
          cpuProfile: options.profile ? join(options.out, "profiles", `${scenario}-${impl}-r${repeat}-n${node}.cpuprofile`) : undefined,
          heapSnapshot:
            options.heapSnapshot && scenario === "memory"
              ? join(options.out, "profiles", `${scenario}-${impl}-r${repeat}.heapsnapshot`)
              : undefined,
        }),
      );
    }
    const job = {
      scenario,
      impl,
      ports: servers.flatMap((server) => server.ports),
      servers: servers.length,
      durationMs: plan.durationMs,
      params: plan.params,
    };
    const metrics = await runLoad(job, servers, plan.durationMs * 4 + 120_000);
    return { type: "result", scenario, impl, repeat, mode: options.mode, at, metrics };
  } catch (error) {
    return { type: "error", scenario, impl, repeat, mode: options.mode, at, error: (error as Error).message };
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(2);
});
