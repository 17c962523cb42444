import { setTimeout as delay } from "node:timers/promises";
import createDebug from "debug";
import { createClient } from "redis";
import { createRedisSessionRouter, createStreamsAdapter, type RedisSessionRouter } from "@sockline/redis-adapter";
import type { ServerOptions } from "@sockline/core";

const debug = createDebug("sockline:chat:redis");

/** How long closing waits for Redis to answer the commands still queued before dropping them. */
export const REDIS_CLOSE_TIMEOUT_MS = 2000;

/**
 * Checks a Redis URL before node-redis sees it (its own error is a bare "Invalid URL"): `name` says
 * where the URL came from (`REDIS_URL`, `--redis`), so the message points at what to fix.
 */
export function checkRedisUrl(url: string, name = "Redis URL"): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`${name} "${url}" is not a URL: expected redis://host:port (or rediss:// for TLS)`);
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw new Error(`${name} "${url}" has protocol "${protocol}": expected redis://host:port (or rediss:// for TLS)`);
  }
}

export interface RedisConnection {
  adapter: NonNullable<ServerOptions["adapter"]>;
  /**
   * The Redis session router: any node serves any request of any page (polling included), so the nodes
   * can sit behind a balancer without sticky sessions.
   */
  sessionRouter: RedisSessionRouter;
  close(): Promise<void>;
}

/**
 * With `REDIS_URL`: the streams flavour of the Redis adapter, so rooms, broadcasts and presence span
 * every node, and a page that reconnects to another node still recovers its session and missed messages
 * (also when its node died: connected sessions are kept in Redis); and the Redis session router, so
 * no sticky sessions are needed in front of the nodes.
 */
export async function connectRedis(url: string): Promise<RedisConnection> {
  checkRedisUrl(url);
  let ready = false;
  const client = createClient({
    url,
    socket: {
      // At start-up a wrong REDIS_URL should fail the start with the reason, not retry forever;
      // once connected, an outage is waited out (the adapter keeps serving local clients meanwhile).
      reconnectStrategy: (retries: number, cause: Error) => {
        if (ready) return Math.min(100 * 2 ** retries, 3000);
        if (retries < 3) return 200;
        return new Error(`cannot connect to Redis at ${url}: ${cause.message}`, { cause });
      },
    },
  });
  let reported = false;
  // node-redis throws on an unhandled "error" event; report an outage once, it reconnects by itself.
  client.on("error", (error: Error) => {
    if (!ready) return; // before the first connection, connect() itself rejects with the reason
    if (!reported) console.error(`chat: Redis at ${url} is unreachable (${error.message}); retrying`);
    reported = true;
    debug("redis error: %O", error);
  });
  client.on("ready", () => {
    reported = false;
  });
  await client.connect();
  ready = true;
  const sessionRouter = createRedisSessionRouter(client as any);
  try {
    await sessionRouter.ready;
  } catch (error) {
    client.destroy();
    throw error;
  }
  return {
    adapter: createStreamsAdapter(client as any, { persistConnectedSessions: true }) as NonNullable<ServerOptions["adapter"]>,
    sessionRouter,
    close: async () => {
      // the router's own subscriber connection (a duplicate of the client) closes with it
      await sessionRouter.close().catch((error: Error) => debug("closing the session router: %s", error.message));
      if (!client.isOpen) return;
      if (!client.isReady) {
        // Redis is unreachable: close() would wait for replies to the queued commands that never come,
        // and the process would end with the close still pending (no closing line). Drop them now.
        debug("closing while Redis is unreachable: dropping the queued commands");
        client.destroy();
        return;
      }
      // Connected: let the queued commands finish, within a bound (Redis may stop answering meanwhile).
      const bound = new AbortController();
      const closed = await Promise.race([client.close().then(() => true), delay(REDIS_CLOSE_TIMEOUT_MS, false, { signal: bound.signal })]);
      bound.abort();
      if (!closed) {
        debug("Redis did not answer within %d ms while closing: leaving the connection behind", REDIS_CLOSE_TIMEOUT_MS);
        client.unref(); // close() already started: the socket no longer keeps the process alive
      }
    },
  };
}
