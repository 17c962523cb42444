// What the core and Express implementations share once their Socket.IO server exists on an HTTP server:
// the common handlers, the Redis adapter when asked, listening, and a close that waits for io.close().
import type { Server as HttpServer } from "node:http";
import { installHandlers, type HandlerServer } from "./handlers.js";
import type { ImplOptions, RunningImpl } from "./impl.js";
import { closeHttp, listenLocal } from "./listen.js";
import { attachSocklineRedis } from "./sockline-redis.js";

export interface ClosableSocklineServer extends HandlerServer {
  close(callback?: (err?: Error) => void): unknown;
}

export async function runSockline(io: ClosableSocklineServer, http: HttpServer, { counter, redisUrl }: ImplOptions): Promise<RunningImpl> {
  const closeRedis = redisUrl ? await attachSocklineRedis(io, redisUrl) : async () => {};
  installHandlers(io, counter);
  const port = await listenLocal(http);
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        // io.close() calls back and (in Sockline) also returns a promise: whichever settles first.
        const result = io.close(() => resolve());
        if (result instanceof Promise)
          result.then(
            () => resolve(),
            () => resolve(),
          );
      });
      await closeRedis();
      if (http.listening) await closeHttp(http);
    },
  };
}
