// `npm start -- --workers=N`: the chat on N `node:cluster` workers sharing one port, with Node's
// default round-robin scheduling and no sticky sessions. The primary relays the workers' session
// routing (Sockline's `setupPrimary()`) and broadcasts (`@socket.io/cluster-adapter`'s); each worker
// runs the chat with `clusterWorker: true` (see `start.ts`). A worker that dies is replaced: its
// pages reconnect to the others.
import cluster, { type Worker } from "node:cluster";
import createDebug from "debug";
import { setupPrimary as setupAdapterPrimary } from "@socket.io/cluster-adapter";
import { setupPrimary } from "@sockline/core/cluster";

const debug = createDebug("sockline:chat:workers");

/** What a worker tells the primary. */
export type WorkerReport = { chat: "listening"; url: string; port: number; adapter: string } | { chat: "failed"; message: string };
/** What the primary tells a worker. */
export interface StopCommand {
  chat: "stop";
}

export function isWorkerReport(value: unknown): value is WorkerReport {
  return typeof value === "object" && value !== null && typeof (value as { chat?: unknown }).chat === "string";
}

/** Runs the primary of `--workers=count`; resolves once every worker listens, with the URL to open. */
export function runPrimary(count: number, framework: string): Promise<{ url: string; stop(signal: NodeJS.Signals): void }> {
  const routing = setupPrimary();
  setupAdapterPrimary();
  routing.diagnostics.on("diagnostic", (d) => debug("routing %s %s: %s", d.kind, d.name, d.message));
  let stopping = false;
  return new Promise((resolve, reject) => {
    let listening = 0;
    const fork = (): Worker => {
      const worker = cluster.fork();
      worker.on("message", (report: unknown) => {
        if (!isWorkerReport(report)) return;
        if (report.chat === "failed") {
          stopping = true;
          reject(new Error(report.message));
          for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGKILL");
          return;
        }
        if (++listening === count) {
          resolve({
            url: report.url,
            stop: (signal) => {
              stopping = true;
              console.log(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers...`);
              for (const w of Object.values(cluster.workers ?? {})) w?.send({ chat: "stop" } satisfies StopCommand);
            },
          });
          console.log(`Sockline chat on ${framework}, ${count} cluster workers, no sticky sessions (${report.adapter} adapter)`);
        }
      });
      return worker;
    };
    cluster.on("exit", (worker, code, signal) => {
      if (stopping) return;
      console.log(`worker ${worker.id} exited (${signal ?? code}): its pages reconnect to the others; starting a new worker`);
      fork();
    });
    for (let i = 0; i < count; i++) fork();
  });
}

/** The `--workers` value: a whole number from 1 to 64. */
export function parseWorkers(text: string): number {
  const workers = Number(text);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`invalid --workers "${text}": a number from 1 to 64`);
  return workers;
}
