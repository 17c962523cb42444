// The reference: socket.io 4.8 attached to a plain node:http server, default options.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { installHandlers } from "../handlers.js";
import type { ImplFactory } from "../impl.js";
import { listenLocal } from "../listen.js";
import { createRedisPair } from "../redis.js";

export const create: ImplFactory = async ({ counter, redisUrl }) => {
  const http = createServer();
  const io = new Server(http);
  let closeRedis = async (): Promise<void> => {};
  if (redisUrl) {
    const { createAdapter } = await import("@socket.io/redis-adapter");
    const pair = await createRedisPair(redisUrl);
    io.adapter(createAdapter(pair.pub, pair.sub));
    closeRedis = pair.close;
  }
  installHandlers(io, counter);
  const port = await listenLocal(http);
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeRedis();
    },
  };
};
