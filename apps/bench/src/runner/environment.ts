// What the runner needs to know about its surroundings: file-descriptor limits, which
// implementations are built, and a one-line description of the machine.
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import type { ImplName } from "../ipc.js";
import { isAvailable } from "../server/optional.js";
import { ALL_IMPLS, type Mode } from "./config.js";

function fdLimits(): { soft: number; hard: number } {
  const read = (flag: string) => Number(spawnSync("sh", ["-c", `ulimit ${flag}`], { encoding: "utf8" }).stdout.trim());
  const parse = (value: number) => (Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER);
  return { soft: parse(read("-Sn")), hard: parse(read("-Hn")) };
}

/**
 * Ten thousand idle clients need a file descriptor each in the load generator and in the server.
 * Node cannot raise its own limit, so when the soft limit is short and the hard one allows more, the
 * runner re-executes itself under `ulimit -n <hard>`.
 */
export function ensureFdLimit(needed: number, runnerEntry: string): number {
  const { soft, hard } = fdLimits();
  if (soft >= needed || process.env["SOCKLINE_BENCH_ULIMIT"] === "1" || hard <= soft) return soft;
  const command = `ulimit -n ${hard} && exec "$0" "$@"`;
  const result = spawnSync("sh", ["-c", command, process.execPath, ...process.execArgv, runnerEntry, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, SOCKLINE_BENCH_ULIMIT: "1" },
  });
  process.exit(result.status ?? 1);
}

export async function availableImpls(requested: ImplName[] | undefined, mode: Mode): Promise<{ impls: ImplName[]; missing: ImplName[] }> {
  const probes: Record<ImplName, () => Promise<boolean>> = {
    socketio: async () => true,
    ws: async () => true,
    sockline: () => isAvailable("@sockline/core", "Server"),
    "sockline-fastify": async () => (await isAvailable("@sockline/core", "Server")) && (await isAvailable("@sockline/fastify", "default")),
    "sockline-express": async () => (await isAvailable("@sockline/core", "Server")) && (await isAvailable("@sockline/express", "sockline")),
    "sockline-metrics": async () => (await isAvailable("@sockline/core", "Server")) && (await isAvailable("prom-client", "Registry")),
    "sockline-traced": () => isAvailable("@sockline/core", "Server"),
  };
  const wanted =
    requested ??
    (mode === "smoke" ? ["sockline" as ImplName] : mode === "quick" ? (["socketio", "ws", "sockline"] as ImplName[]) : ALL_IMPLS);
  const impls: ImplName[] = [];
  const missing: ImplName[] = [];
  for (const impl of wanted) ((await probes[impl]()) ? impls : missing).push(impl);
  return { impls, missing };
}

export function machine(): string {
  const model = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} cores (${model}), node ${process.version}, ${process.platform} ${process.arch}`;
}
