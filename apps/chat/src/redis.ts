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
  const client = createClient({ url });
  let reported = false;
  // node-redis throws on an unhandled "error" event; report an outage once, it reconnects by itself.
  client.on("error", (error: Error) => {
    if (!reported) console.error(`chat: Redis at ${url} is unreachable (${error.message}); retrying`);
    reported = true;
    debug("redis error: %O", error);
  });
  client.on("ready", () => {
    reported = false;
  });
  await client.connect();
  return {
    adapter: createStreamsAdapter(client as any) as NonNullable<ServerOptions["adapter"]>,
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}
