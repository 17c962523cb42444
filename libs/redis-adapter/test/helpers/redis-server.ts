/**
 * Test fixture: a throw-away `redis-server` on a free loopback port, without persistence.
 *
 * Tests call {@link redisServerSkipReason} first: when `redis-server` is not installed they are reported as skipped,
 * never as passed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createConnection, createServer } from "node:net";
import { setTimeout as delay } from "node:timers/promises";

const REDIS_BINARY = process.env.REDIS_SERVER_BIN ?? "redis-server";

/** `"redis-server not installed"` when the binary cannot run, false otherwise (for `describe(..., { skip })`). */
export function redisServerSkipReason(): string | false {
  const probe = spawnSync(REDIS_BINARY, ["--version"], { stdio: "ignore" });
  return probe.error || probe.status !== 0 ? "redis-server not installed" : false;
}

/** A port nobody listens on right now: bind to 0, read the port, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Answers PING with PONG within a short time: the server accepts commands. */
function pingOnce(port: number): Promise<boolean> {
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

export class RedisServer {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port and waits until it answers PING. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** (Re)starts the server on the same port. */
  async restart(): Promise<void> {
    if (this.process) throw new Error(`redis-server already running on port ${this.port}`);
    const child = spawn(
      REDIS_BINARY,
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    this.process = child;
    let exited = false;
    child.once("exit", () => {
      exited = true;
      if (this.process === child) this.process = undefined;
    });
    for (let attempt = 0; attempt < 200; attempt++) {
      if (exited) throw new Error(`redis-server on port ${this.port} exited at startup:\n${output}`);
      if (await pingOnce(this.port)) return;
      await delay(25);
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server on port ${this.port} did not answer PING:\n${output}`);
  }

  /** Stops the server (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
