// The server process of the IPC routed scenarios (SOCKLINE_BENCH_SESSION_ROUTER=cluster): a cluster
// primary running Sockline's `setupPrimary()` with two workers, each a Sockline server with
// `clusterRouter()` on its own port. The runner sees one server process with two ports; the
// primary fans its measurement requests out to the workers and adds up their CPU and its own (it
// relays every forwarded poll between the workers, so its CPU is part of the cost).
import cluster, { type Worker } from "node:cluster";
import type { CpuWindow, FromServer, MemSnapshot, ServerCommand, ServerReplyData, ToServer } from "../ipc.js";
import { loadOptional } from "./optional.js";

const WORKERS = 2;

interface ClusterModule {
  setupPrimary(): unknown;
}

function ask(worker: Worker, id: number, command: ServerCommand): Promise<ServerReplyData> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromServer) => {
      if (message.type !== "reply" || message.id !== id) return;
      worker.off("message", onMessage);
      if (message.error !== undefined) reject(new Error(`worker ${worker.id}: ${message.error}`));
      else resolve(message.data!);
    };
    worker.on("message", onMessage);
    worker.send({ type: "request", id, command } satisfies ToServer);
  });
}

export async function runClusterPrimary(send: (message: FromServer) => void): Promise<void> {
  const { setupPrimary } = await loadOptional<ClusterModule>("@sockline/core/cluster", "setupPrimary");
  setupPrimary();
  cluster.setupPrimary({ exec: process.argv[1]!, args: process.argv.slice(2), execArgv: process.execArgv });
  const workers = Array.from({ length: WORKERS }, () => cluster.fork());
  const ports = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<number>((resolve, reject) => {
          worker.on("message", function onReady(message: FromServer) {
            if (message.type === "ready") {
              worker.off("message", onReady);
              resolve(message.port);
            } else if (message.type === "fatal") reject(new Error(`worker ${worker.id}: ${message.error}`));
          });
          worker.once("exit", (code) => reject(new Error(`worker ${worker.id} exited (code ${code}) before it was ready`)));
        }),
    ),
  );

  let cpuStart: NodeJS.CpuUsage | undefined;
  const execute = async (id: number, command: ServerCommand): Promise<ServerReplyData> => {
    if (command.cmd === "cpuStart") cpuStart = process.cpuUsage();
    const replies = await Promise.all(workers.map((worker) => ask(worker, id, command)));
    switch (command.cmd) {
      case "cpuStop": {
        const own = process.cpuUsage(cpuStart);
        const windows = replies as CpuWindow[];
        return {
          cpuUs: own.user + own.system + windows.reduce((sum, w) => sum + w.cpuUs, 0),
          wallMs: Math.max(...windows.map((w) => w.wallMs)),
        };
      }
      case "mem": {
        const snapshots = replies as MemSnapshot[];
        const sum = (key: keyof MemSnapshot) => snapshots.reduce((total, s) => total + s[key], 0);
        return {
          heapUsed: sum("heapUsed"),
          rss: sum("rss"),
          external: sum("external"),
          arrayBuffers: sum("arrayBuffers"),
          connections: sum("connections"),
        };
      }
      default:
        return replies[0]!;
    }
  };

  process.on("message", (message: ToServer) => {
    if (message.type === "close") {
      for (const worker of workers) worker.send({ type: "close" } satisfies ToServer);
      const exit = () => process.exit(0);
      setTimeout(exit, 3000).unref();
      Promise.all(workers.map((worker) => new Promise((resolve) => worker.once("exit", resolve)))).then(exit, exit);
      return;
    }
    execute(message.id, message.command).then(
      (data) => send({ type: "reply", id: message.id, data }),
      (error: Error) => send({ type: "reply", id: message.id, error: error.message }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", port: ports[0]!, ports });
}
