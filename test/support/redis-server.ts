// A throwaway `redis-server` on a free loopback port, without persistence, for the suites that need a
// real Redis (the Redis adapter, the chat app, the official adapter on our server).
//
// Suites call `redisServerSkipReason()` first: where `redis-server` is not installed their tests are
// reported as skipped, with the reason, never as passed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createConnection } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "./net.js";

/** The binary to run; REDIS_SERVER_BIN (or REDIS_SERVER_PATH) points at another one. */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? process.env.REDIS_SERVER_PATH ?? "redis-server";

let probed: boolean | undefined;

/** Whether `redis-server` can run on this machine (probed once per process). */
export function redisServerAvailable(): boolean {
  if (probed === undefined) {
    const probe = spawnSync(REDIS_SERVER_BIN, ["--version"], { stdio: "ignore" });
    probed = !probe.error && probe.status === 0;
  }
  return probed;
}

/** Why Redis tests cannot run here (for `describe(..., { skip })`), or undefined when they can. */
export function redisServerSkipReason(): string | undefined {
  return redisServerAvailable() ? undefined : `${REDIS_SERVER_BIN} not installed (install Debian's "redis-server" or set REDIS_SERVER_BIN)`;
}

/** Whether a server on `port` answers PING with PONG: it accepts commands, whatever its log says. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Whether the process is up (false between `stop()` and `restart()`). */
  readonly running: boolean;
  /** Starts the server again on the same port (after `stop()`), resolving once it answers PING. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and waits for it to exit; a no-op when stopped. */
  stop(): Promise<void>;
}

class RedisServerProcess implements RedisServer {
  private child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async restart(): Promise<void> {
    if (this.child) throw new Error(`redis-server already running on port ${this.port}`);
    const child = spawn(
      REDIS_SERVER_BIN,
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    let exited = false;
    const gone = () => {
      exited = true;
      if (this.child === child) this.child = undefined;
    };
    // a binary that cannot be spawned reports 'error' and may never report 'exit'
    child.once("error", (error) => {
      output += `\n${error.message}`;
      gone();
    });
    child.once("exit", gone);
    this.child = child;
    // 200 attempts of at most ~1 s each: a safety net against a server that never comes up, not a speed check.
    for (let attempt = 0; attempt < 200; attempt++) {
      if (exited) throw new Error(`redis-server on port ${this.port} exited at startup:\n${output}`);
      if (await answersPing(this.port)) return;
      await delay(25);
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server on port ${this.port} did not answer PING:\n${output}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const forceKill = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(forceKill);
  }
}

/** Starts a redis-server on a free loopback port and resolves once it answers PING. */
export async function startRedisServer(): Promise<RedisServer> {
  const server = new RedisServerProcess(await freePort());
  await server.restart();
  return server;
}
