import createDebug from "debug";
import { createClient } from "redis";
import { createStreamsAdapter } from "@sockline/redis-adapter";
import type { ServerOptions } from "@sockline/core";

const debug = createDebug("sockline:chat:redis");

export interface RedisConnection {
  adapter: NonNullable<ServerOptions["adapter"]>;
  close(): Promise<void>;
}

/**
 * With `REDIS_URL`: the streams flavour of the Redis adapter, so rooms, broadcasts and presence span
 * every node, and a page that reconnects to another node still recovers its session and missed messages.
 */
export async function connectRedis(url: string): Promise<RedisConnection> {
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
  return {
    adapter: createStreamsAdapter(client as any) as NonNullable<ServerOptions["adapter"]>,
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}
