#!/usr/bin/env node
// `npm start [-- --framework=fastify|express|nestjs] [--port=3000] [--host=0.0.0.0] [--workers=N]`
// Env: SOCKLINE_FRAMEWORK, PORT, HOST, REDIS_URL, SOCKLINE_WORKERS (flags win over env).
// `--workers=N`: N cluster workers on one port, no sticky sessions (see workers.ts).
import cluster from "node:cluster";
import { checkRedisUrl } from "./redis.js";
import { FRAMEWORKS, isFramework, startChat, type ChatOptions } from "./start.js";
import { parseWorkers, runPrimary, type StopCommand, type WorkerReport } from "./workers.js";

function flag(name: string, argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ChatOptions & { workers?: number } {
  const framework = flag("framework", argv) ?? env.SOCKLINE_FRAMEWORK ?? "fastify";
  if (!isFramework(framework)) {
    throw new Error(`unknown framework "${framework}": use --framework=${FRAMEWORKS.join("|")}`);
  }
  const portText = flag("port", argv) ?? env.PORT ?? "3000";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port "${portText}"`);
  const redisFlag = flag("redis", argv);
  const redisUrl = redisFlag ?? (env.REDIS_URL || undefined);
  if (redisUrl !== undefined) checkRedisUrl(redisUrl, redisFlag !== undefined ? "--redis" : "REDIS_URL");
  const workersText = flag("workers", argv) ?? (env.SOCKLINE_WORKERS || undefined);
  const workers = workersText === undefined ? undefined : parseWorkers(workersText);
  return { framework, port, host: flag("host", argv) ?? env.HOST ?? "0.0.0.0", redisUrl, ...(workers ? { workers } : {}) };
}

async function main(): Promise<void> {
  const { workers, ...options } = parseOptions(process.argv.slice(2), process.env);
  if (workers !== undefined && cluster.isPrimary) return primary(workers, options.framework ?? "fastify");
  const worker = workers !== undefined && cluster.isWorker;
  let chat: Awaited<ReturnType<typeof startChat>>;
  try {
    chat = await startChat({ ...options, clusterWorker: worker });
  } catch (error) {
    if (worker) process.send?.({ chat: "failed", message: error instanceof Error ? error.message : String(error) } satisfies WorkerReport);
    throw error;
  }
  if (worker) {
    process.send?.({ chat: "listening", url: chat.url, port: chat.port, adapter: chat.adapter } satisfies WorkerReport);
  } else {
    const adapter = chat.adapter === "redis" ? `Redis adapter at ${options.redisUrl}` : "in-memory adapter";
    console.log(`Sockline chat on ${chat.framework} (${adapter}): open ${chat.url}  (Ctrl-C to stop)`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C while closing: the user wants out now.
      console.log(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    console.log(`${signal}: disconnecting clients and closing the server...`);
    chat.close().then(
      // Nothing is left open: the process exits by itself once the loop is empty (a worker leaves its IPC channel too).
      () => {
        if (worker) process.disconnect?.();
        else console.log("chat server closed");
      },
      (error: unknown) => {
        console.error("chat server did not close cleanly:", error);
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // the primary's stop (it got the signal; a Ctrl-C also reaches the workers themselves: not a second one)
  process.on("message", (message: StopCommand) => {
    if (message?.chat === "stop" && !stopping) stop("SIGTERM");
  });
}

async function primary(workers: number, framework: string): Promise<void> {
  const running = await runPrimary(workers, framework);
  console.log(`open ${running.url}  (Ctrl-C to stop)`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    running.stop(signal);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`chat: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
