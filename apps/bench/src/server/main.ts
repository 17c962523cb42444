// Server process: runs one implementation and answers the measurement requests relayed by the runner.
// Usage (forked by the runner with --expose-gc): node dist/server/main.js <impl> [redisUrl]
import cluster from "node:cluster";
import { writeHeapSnapshot } from "node:v8";
import type { FromServer, ImplName, ServerCommand, ServerReplyData, ToServer } from "../ipc.js";
import { ConnectionCounter } from "./handlers.js";
import type { ImplFactory, RunningImpl } from "./impl.js";
import { WindowProfiler } from "./window-profiler.js";

const factories: Record<ImplName, () => Promise<ImplFactory>> = {
  // Each module is imported on demand so a process only loads the implementation it measures.
  socketio: async () => (await import("./impls/socketio.js")).create,
  ws: async () => (await import("./impls/ws.js")).create,
  sockline: async () => (await import("./impls/sockline.js")).create,
  "sockline-fastify": async () => (await import("./impls/sockline-fastify.js")).create,
  "sockline-express": async () => (await import("./impls/sockline-express.js")).create,
  "sockline-metrics": async () => (await import("./impls/sockline-metrics.js")).create,
  "sockline-traced": async () => (await import("./impls/sockline-traced.js")).create,
};

const counter = new ConnectionCounter();
let cpuStart: NodeJS.CpuUsage | undefined;
let wallStart = 0;
const profileFile = process.env["SOCKLINE_BENCH_PROFILE"];
const profiler = profileFile ? new WindowProfiler(profileFile) : undefined;
// With --heap-snapshot, the first memory reading taken with clients connected also writes a snapshot.
let heapSnapshotFile = process.env["SOCKLINE_BENCH_HEAPSNAPSHOT"];

function send(message: FromServer): void {
  process.send?.(message);
}

async function forcedGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("the server process needs --expose-gc for memory snapshots");
  // Several rounds with turns of the event loop in between, so finalizers and weak callbacks settle.
  for (let round = 0; round < 4; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function execute(command: ServerCommand): Promise<ServerReplyData> {
  switch (command.cmd) {
    case "cpuStart":
      await profiler?.start();
      cpuStart = process.cpuUsage();
      wallStart = performance.now();
      return { ok: true };
    case "cpuStop": {
      if (!cpuStart) throw new Error("cpuStop without cpuStart");
      const used = process.cpuUsage(cpuStart);
      cpuStart = undefined;
      const wallMs = performance.now() - wallStart;
      await profiler?.stop();
      return { cpuUs: used.user + used.system, wallMs };
    }
    case "mem": {
      await forcedGc();
      const usage = process.memoryUsage();
      if (heapSnapshotFile && counter.open > 0) {
        writeHeapSnapshot(heapSnapshotFile);
        heapSnapshotFile = undefined;
      }
      return {
        heapUsed: usage.heapUsed,
        rss: usage.rss,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        connections: counter.open,
      };
    }
    case "waitConnections": {
      const deadline = performance.now() + command.timeoutMs;
      while (counter.open !== command.count && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { connections: counter.open, reached: counter.open === command.count };
    }
  }
}

async function main(): Promise<void> {
  // the IPC routed scenarios: this process is the cluster primary, its workers run the implementation
  if (process.env["SOCKLINE_BENCH_SESSION_ROUTER"] === "cluster" && cluster.isPrimary) {
    const { runClusterPrimary } = await import("./cluster-primary.js");
    return runClusterPrimary(send);
  }
  const implName = process.argv[2] as ImplName;
  const redisUrl = process.argv[3] || undefined;
  const factory = factories[implName];
  if (!factory) throw new Error(`unknown implementation "${implName}"`);
  const running: RunningImpl = await (await factory())({ counter, redisUrl });

  process.on("message", (message: ToServer) => {
    // a cluster worker also receives the session router's messages on this channel: not ours
    if (message?.type !== "close" && message?.type !== "request") return;
    if (message.type === "close") {
      const exit = () => process.exit(0);
      setTimeout(exit, 2000).unref();
      running.close().then(exit, exit);
      return;
    }
    execute(message.command).then(
      (data) => send({ type: "reply", id: message.id, data }),
      (error: Error) => send({ type: "reply", id: message.id, error: error.message }),
    );
  });
  // The runner owns this process: if it goes away, so do we.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", port: running.port });
}

main().catch((error: Error) => {
  send({ type: "fatal", error: `${error.message}\n${error.stack ?? ""}` });
  setTimeout(() => process.exit(1), 50);
});
