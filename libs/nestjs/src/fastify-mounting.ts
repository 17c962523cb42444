import { createRequire } from 'node:module';
import type { Server } from '@sockline/core';
import createDebug from 'debug';
import type { Mount } from './mounting.js';

const debug = createDebug('sockline:nestjs:fastify');

type AnyServer = Server<any, any, any, any>;

/** The bits of a Fastify instance used here (Nest's `app.getHttpAdapter().getInstance()`). */
export interface FastifyLike {
  hasDecorator(name: string): boolean;
  log: { error(obj: unknown, msg?: string): void };
  [decorator: string]: unknown;
}

type SocklineFastifyPlugin = (instance: FastifyLike, options: Record<string, unknown>) => Promise<void>;

const FASTIFY_PLUGIN_PACKAGE = '@sockline/fastify';

/**
 * Loaded on first use, synchronously (Nest's `create()` is synchronous, and Node >= 20.19 can
 * `require` an ES module): Express applications never load the Fastify plugin.
 */
function loadPlugin(): SocklineFastifyPlugin {
  try {
    const plugin = createRequire(import.meta.url)(FASTIFY_PLUGIN_PACKAGE) as { socklinePlugin?: SocklineFastifyPlugin };
    if (typeof plugin.socklinePlugin === 'function') return plugin.socklinePlugin;
  } catch (cause) {
    throw new Error(
      `SocklineAdapter: a gateway on a Fastify application needs "${FASTIFY_PLUGIN_PACKAGE}", which could not be loaded; install it next to @sockline/nestjs`,
      { cause },
    );
  }
  throw new Error(`SocklineAdapter: "${FASTIFY_PLUGIN_PACKAGE}" does not export socklinePlugin; update it`);
}

function freeDecoratorName(fastify: FastifyLike): string {
  if (!fastify.hasDecorator('io')) return 'io';
  for (let n = 2; ; n++) if (!fastify.hasDecorator(`io${n}`)) return `io${n}`;
}

/**
 * The plugin awaits `fastify.register()` for its routes. Awaited from outside Fastify's plugin
 * loading (which is where Nest's synchronous `create()` runs), that would start loading the root
 * context early, and the next top-level awaited `register()` would then never settle (avvio
 * deadlocks: `ready()` hangs). Handing the plugin a view of the instance whose `register()` only
 * queues the child plugin (it loads with the others at `ready()`, as a normally registered plugin
 * would) keeps Fastify's boot order untouched.
 */
function queueingRegistrations(fastify: FastifyLike): FastifyLike {
  return new Proxy(fastify, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'register') {
        return (...args: unknown[]) => {
          (value as (...a: unknown[]) => unknown).apply(target, args);
          return Promise.resolve();
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Mounts a server through `@sockline/fastify`, so the engine path is served as Fastify routes and
 * the application's Fastify hooks (auth, CORS, rate limits, logging) apply to polling requests
 * and upgrades. The plugin is a `fastify-plugin` (it runs in the root context), so it is invoked
 * directly instead of through `register()`: its server exists (and is decorated) as soon as the
 * call starts, which Nest's synchronous `create()` needs; its routes and hooks are added before
 * Fastify is ready, as with any plugin. The first server is also available as `fastify.io`.
 */
export function mountThroughFastify(fastify: FastifyLike, options: Record<string, unknown>): { io: AnyServer; mount: Mount } {
  const plugin = loadPlugin();
  const decorator = freeDecoratorName(fastify);
  let failure: unknown;
  plugin(queueingRegistrations(fastify), { ...options, decorator }).then(
    () => debug('%s mounted its routes and hooks', FASTIFY_PLUGIN_PACKAGE),
    error => {
      failure = error;
      fastify.log.error(error, 'SocklineAdapter: mounting the gateway server on Fastify failed');
    },
  );
  const io = fastify[decorator] as AnyServer | undefined;
  if (!io) {
    throw new Error(`SocklineAdapter: ${FASTIFY_PLUGIN_PACKAGE} did not create its server synchronously`, {
      cause: failure,
    });
  }
  debug('mounted %s through %s as fastify.%s', io.path(), FASTIFY_PLUGIN_PACKAGE, decorator);
  // Fastify's close hooks (registered by the plugin) end the engine when Nest closes the HTTP adapter.
  return { io, mount: { close: async () => {} } };
}
