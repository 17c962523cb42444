import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? "redis-server";

/** Why the Redis tests cannot run here (the skip reason), or undefined when they can. */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync(REDIS_SERVER, ["--version"], { encoding: "utf8" });
  return probe.error || probe.status !== 0 ? `${REDIS_SERVER} not found (install Debian's "redis-server")` : undefined;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free port, without persistence; resolves once it accepts connections. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = `redis://127.0.0.1:${port}`;
  // Ready when a PING answers: no reliance on the log format of one redis version.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output}`);
    const ping = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" });
    if (ping.stdout?.trim() === "PONG") break;
    if (ping.error && attempt === 0) {
      // No redis-cli: give the server a moment instead.
      await new Promise((resolve) => setTimeout(resolve, 500));
      break;
    }
    if (attempt > 100) throw new Error(`redis-server on port ${port} did not answer: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
