import type { Server as HttpServer } from 'node:http';
import type { Server } from '@sockline/core';
import createDebug from 'debug';
import type { Mount } from './mounting.js';
import { requireOptionalExport } from './optional-package.js';

const debug = createDebug('sockline:nestjs:express');

type AnyServer = Server<any, any, any, any>;
type SocklineExpressMount = (app: unknown, options: Record<string, unknown>) => AnyServer;

const EXPRESS_MOUNT_PACKAGE = '@sockline/express';

/**
 * Mounts a server through `@sockline/express` on Nest's Express instance. Nest creates gateways
 * in `app.init()` after the middleware you added with `app.use()` and before its own routes, so
 * that middleware (sessions, helmet, CORS...) runs for polling requests and websocket upgrades,
 * as in a plain Express app. Each server (one per gateway `path`) is one mount; a mount passes
 * requests for other paths on, so several servers share the application's HTTP server.
 */
export function mountThroughExpress(
  expressApp: unknown,
  httpServer: HttpServer,
  options: Record<string, unknown>,
): { io: AnyServer; mount: Mount } {
  const sockline = requireOptionalExport<SocklineExpressMount>(EXPRESS_MOUNT_PACKAGE, 'sockline', 'a gateway on an Express application');
  // the adapter logs the server's diagnostics through Nest's logger: not a second time to the console
  const io = sockline(expressApp, { ...options, server: httpServer, logger: false });
  debug('mounted %s through %s', io.path(), EXPRESS_MOUNT_PACKAGE);
  // Closing the HTTP server is Nest's job (its HTTP adapter closes it after the gateways).
  return { io, mount: { close: async () => {} } };
}
