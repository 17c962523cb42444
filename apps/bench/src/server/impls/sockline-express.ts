// Sockline mounted into an Express 5 app through @sockline/express: `const io = sockline(app, { server })`.
import { createServer } from "node:http";
import { installHandlers, type HandlerServer } from "../handlers.js";
import type { ImplFactory } from "../impl.js";
import { closeHttp, listenLocal } from "../listen.js";
import { loadOptional } from "../optional.js";
import { attachSocklineRedis } from "../sockline-redis.js";

interface ExpressMounted extends HandlerServer {
  close(callback?: (err?: Error) => void): unknown;
}

interface ExpressMount {
  sockline(app: unknown, options?: Record<string, unknown>): ExpressMounted;
}

export const create: ImplFactory = async ({ counter, redisUrl }) => {
  const mount = await loadOptional<ExpressMount>("@sockline/express", "sockline");
  const { default: express } = await import("express");
  const app = express();
  const http = createServer(app);
  const io = mount.sockline(app, { server: http });
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
