// Spawning and driving the server and load-generator processes. Every process is forked with an
// IPC channel, bound to 127.0.0.1 and killed by the runner when its run ends or times out.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import createDebug from "debug";
import type { FromLoad, FromServer, ImplName, LoadJob, Metrics, ServerCommand, ServerReplyData, ToLoad, ToServer } from "../ipc.js";

const debug = createDebug("sockline:bench:runner");

const SERVER_ENTRY = fileURLToPath(new URL("../server/main.js", import.meta.url));
const LOAD_ENTRY = fileURLToPath(new URL("../load/main.js", import.meta.url));

export interface ServerProcess {
  impl: ImplName;
  port: number;
  /** every port it listens on (several for a cluster primary's workers) */
  ports: number[];
  request(command: ServerCommand): Promise<ServerReplyData>;
  close(): Promise<void>;
}

export interface ServerSpawnOptions {
  redisUrl?: string;
  /** write a V8 CPU profile of the server's measured window(s) to this file */
  cpuProfile?: string;
  /** write a V8 heap snapshot with the memory scenario's clients connected to this file */
  heapSnapshot?: string;
  /** the nodes route each other's sessions: Sockline's Redis session router (with `redisUrl`), or a cluster of workers */
  sessionRouter?: "redis" | "cluster";
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function startServer(impl: ImplName, options: ServerSpawnOptions = {}): Promise<ServerProcess> {
  const execArgv = ["--expose-gc"];
  const child = fork(SERVER_ENTRY, [impl, options.redisUrl ?? ""], {
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      ...(options.cpuProfile ? { SOCKLINE_BENCH_PROFILE: options.cpuProfile } : {}),
      ...(options.heapSnapshot ? { SOCKLINE_BENCH_HEAPSNAPSHOT: options.heapSnapshot } : {}),
      ...(options.sessionRouter ? { SOCKLINE_BENCH_SESSION_ROUTER: options.sessionRouter } : {}),
    },
  });
  let nextId = 0;
  const waiters = new Map<number, { resolve(data: ServerReplyData): void; reject(error: Error): void }>();
  const failAll = (reason: string) => {
    for (const waiter of waiters.values()) waiter.reject(new Error(`server ${impl}: ${reason}`));
    waiters.clear();
  };
  debug("server %s forked (pid %d)", impl, child.pid);
  child.on("exit", (code, signal) => {
    debug("server %s (pid %d) exited: code %s, signal %s", impl, child.pid, code, signal);
    failAll(`exited (code ${code}, signal ${signal})`);
  });

  return new Promise((resolve, reject) => {
    const startTimer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server ${impl}: not ready within 20 s`));
    }, 20_000);
    child.once("exit", (code) => {
      clearTimeout(startTimer);
      reject(new Error(`server ${impl}: exited before ready (code ${code})`));
    });
    child.on("message", (message: FromServer) => {
      if (message.type === "fatal") {
        clearTimeout(startTimer);
        reject(new Error(`server ${impl}: ${message.error}`));
        child.kill("SIGKILL");
      } else if (message.type === "reply") {
        const waiter = waiters.get(message.id);
        waiters.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(`server ${impl}: ${message.error}`));
        else waiter?.resolve(message.data!);
      } else if (message.type === "ready") {
        clearTimeout(startTimer);
        resolve({
          impl,
          port: message.port,
          ports: message.ports ?? [message.port],
          request: (command) =>
            new Promise((resolveReply, rejectReply) => {
              const id = nextId++;
              waiters.set(id, { resolve: resolveReply, reject: rejectReply });
              child.send({ type: "request", id, command } satisfies ToServer);
            }),
          close: async () => {
            if (child.connected) child.send({ type: "close" } satisfies ToServer);
            await waitExit(child, 5000);
          },
        });
      }
    });
  });
}

/** Runs one load job to completion (or until `timeoutMs`), relaying its requests to the servers. */
export function runLoad(job: LoadJob, servers: readonly ServerProcess[], timeoutMs: number): Promise<Metrics> {
  const child = fork(LOAD_ENTRY, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  debug("load generator for %s on %s forked (pid %d), ports %o", job.scenario, job.impl, child.pid, job.ports);
  return new Promise<Metrics>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, metrics?: Metrics) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(metrics!);
      void waitExit(child, 15_000);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(new Error(`${job.scenario} on ${job.impl}: load generator timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("exit", (code) => finish(new Error(`${job.scenario} on ${job.impl}: load generator exited (code ${code}) without a result`)));
    child.on("message", (message: FromLoad) => {
      if (message.type === "result") finish(undefined, message.metrics);
      else if (message.type === "fatal") finish(new Error(`${job.scenario} on ${job.impl}: ${message.error}`));
      else if (message.type === "server-request") {
        debug("%s on %s: relaying %o to node %d", job.scenario, job.impl, message.command, message.node);
        const target = servers[message.node];
        const reply = (data?: ServerReplyData, error?: string) => {
          if (child.connected) child.send({ type: "server-reply", id: message.id, data, error } satisfies ToLoad);
        };
        if (!target) reply(undefined, `no server node ${message.node}`);
        else
          target.request(message.command).then(
            (data) => reply(data),
            (error: Error) => reply(undefined, error.message),
          );
      }
    });
    child.send({ type: "job", job } satisfies ToLoad);
  });
}
