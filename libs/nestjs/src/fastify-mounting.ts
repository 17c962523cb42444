import { Server } from '@sockline/core';
import createDebug from 'debug';
import type { Mount } from './mounting.js';
import { requireOptionalExport } from './optional-package.js';

const debug = createDebug('sockline:nestjs:fastify');

type AnyServer = Server<any, any, any, any>;

/** The bits of a Fastify instance used here (Nest's `app.getHttpAdapter().getInstance()`). */
export interface FastifyLike {
  hasDecorator(name: string): boolean;
  register(plugin: unknown, options: Record<string, unknown>): unknown;
}

const FASTIFY_PLUGIN_PACKAGE = '@sockline/fastify';

/** Decorator names handed out per Fastify instance: registrations load later, so `hasDecorator` alone cannot tell. */
const reservedDecorators = new WeakMap<FastifyLike, Set<string>>();

function freeDecoratorName(fastify: FastifyLike): string {
  let reserved = reservedDecorators.get(fastify);
  if (!reserved) reservedDecorators.set(fastify, (reserved = new Set()));
  const taken = (name: string) => reserved.has(name) || fastify.hasDecorator(name);
  let name = 'io';
  for (let n = 2; taken(name); n++) name = `io${n}`;
  reserved.add(name);
  return name;
}

/**
 * Mounts a server through `@sockline/fastify`, so the engine path is served as Fastify routes and
 * the application's Fastify hooks (auth, CORS, rate limits, logging) apply to polling requests
 * and upgrades. Nest's `create()` needs the server at once, so it is created here and handed to
 * the plugin (its `io` option); the plugin is registered like any other and loads with the rest
 * of the application's plugins when Fastify gets ready (a loading error fails the application's
 * startup). The first server is also available as `fastify.io`.
 */
export function mountThroughFastify(fastify: FastifyLike, options: Record<string, unknown>): { io: AnyServer; mount: Mount } {
  const plugin = requireOptionalExport<unknown>(FASTIFY_PLUGIN_PACKAGE, 'socketioPlugin', 'a gateway on a Fastify application');
  const io: AnyServer = new Server(options);
  const decorator = freeDecoratorName(fastify);
  // the adapter logs the server's diagnostics through Nest's logger: not a second time through Fastify's
  fastify.register(plugin, { io, decorator, logDiagnostics: false });
  debug('registered %s with %s as fastify.%s', io.path(), FASTIFY_PLUGIN_PACKAGE, decorator);
  // Fastify's close hooks (registered by the plugin) end the engine when Nest closes the HTTP adapter.
  return { io, mount: { close: async () => {} } };
}
