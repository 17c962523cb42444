// Sockline used directly: `new Server(httpServer, opts)` from @sockline/core.
// Loaded by a computed specifier so the bench compiles while the core is still being written.
import { createServer } from "node:http";
import { installHandlers, type HandlerServer } from "../handlers.js";
import type { ImplFactory } from "../impl.js";
import { closeHttp, listenLocal } from "../listen.js";
import { loadOptional } from "../optional.js";
import { attachSocklineRedis } from "../sockline-redis.js";

interface SocklineServer extends HandlerServer {
  close(callback?: (err?: Error) => void): unknown;
}

interface SocklineCore {
  Server: new (http: unknown, options?: Record<string, unknown>) => SocklineServer;
}

export const create: ImplFactory = async ({ counter, redisUrl }) => {
  const core = await loadOptional<SocklineCore>("@sockline/core", "Server");
  const http = createServer();
  const io = new core.Server(http, {});
  const closeRedis = redisUrl ? await attachSocklineRedis(io, redisUrl) : async () => {};
  installHandlers(io, counter);
  const port = await listenLocal(http);
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        const result = io.close(() => resolve());
        if (result instanceof Promise) result.then(() => resolve(), () => resolve());
      });
      await closeRedis();
      if (http.listening) await closeHttp(http);
    },
  };
};
