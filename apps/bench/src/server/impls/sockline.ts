// Sockline used directly: `new Server(httpServer, opts)` from @sockline/core.
// Loaded by a computed specifier so the bench compiles while the core is still being written.
import { createServer } from "node:http";
import type { ImplFactory } from "../impl.js";
import { loadOptional } from "../optional.js";
import { runSockline, type ClosableSocklineServer } from "../run-sockline.js";
import { socklineRoutingOptions } from "../sockline-redis.js";

interface SocklineCore {
  Server: new (http: unknown, options?: Record<string, unknown>) => ClosableSocklineServer;
}

export const create: ImplFactory = async (options) => {
  const core = await loadOptional<SocklineCore>("@sockline/core", "Server");
  const http = createServer();
  const routing = await socklineRoutingOptions(options.redisUrl);
  const io = new core.Server(http, routing.options);
  const running = await runSockline(io, http, options);
  return {
    port: running.port,
    close: async () => {
      await running.close();
      await routing.close();
    },
  };
};
