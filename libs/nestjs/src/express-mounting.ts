import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import type { Server } from '@sockline/core';
import createDebug from 'debug';
import type { Mount } from './mounting.js';

const debug = createDebug('sockline:nestjs:express');

type AnyServer = Server<any, any, any, any>;
type SocklineExpressMount = (app: unknown, options: Record<string, unknown>) => AnyServer;

const EXPRESS_MOUNT_PACKAGE = '@sockline/express';

/** Loaded on first use, synchronously (Nest's `create()` is synchronous; Node >= 20.19 can `require` ESM). */
function loadMount(): SocklineExpressMount {
  try {
    const mount = createRequire(import.meta.url)(EXPRESS_MOUNT_PACKAGE) as { sockline?: SocklineExpressMount };
    if (typeof mount.sockline === 'function') return mount.sockline;
  } catch (cause) {
    throw new Error(
      `SocklineAdapter: a gateway on an Express application needs "${EXPRESS_MOUNT_PACKAGE}", which could not be loaded; install it next to @sockline/nestjs`,
      { cause },
    );
  }
  throw new Error(`SocklineAdapter: "${EXPRESS_MOUNT_PACKAGE}" does not export sockline(); update it`);
}

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
  const io = loadMount()(expressApp, { ...options, server: httpServer });
  debug('mounted %s through %s', io.path(), EXPRESS_MOUNT_PACKAGE);
  // Closing the HTTP server is Nest's job (its HTTP adapter closes it after the gateways).
  return { io, mount: { close: async () => {} } };
}
