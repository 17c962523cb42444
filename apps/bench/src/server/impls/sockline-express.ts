// Sockline mounted into an Express 5 app through @sockline/express: `const io = sockline(app, { server })`.
import { createServer } from "node:http";
import type { ImplFactory } from "../impl.js";
import { loadOptional } from "../optional.js";
import { runSockline, type ClosableSocklineServer } from "../run-sockline.js";

interface ExpressMount {
  sockline(app: unknown, options?: Record<string, unknown>): ClosableSocklineServer;
}

export const create: ImplFactory = async (options) => {
  const mount = await loadOptional<ExpressMount>("@sockline/express", "sockline");
  const { default: express } = await import("express");
  const app = express();
  const http = createServer(app);
  const io = mount.sockline(app, { server: http });
  return runSockline(io, http, options);
};
