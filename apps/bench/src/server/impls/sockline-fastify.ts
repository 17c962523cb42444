// Sockline mounted through its Fastify plugin: `app.register(socketioPlugin, opts)`, then `app.io`.
import { installHandlers, type HandlerServer } from "../handlers.js";
import type { ImplFactory } from "../impl.js";
import { loadOptional } from "../optional.js";
import { attachSocklineRedis } from "../sockline-redis.js";

interface FastifyPluginModule {
  socketioPlugin?: unknown;
  default?: unknown;
}

interface FastifyApp {
  register(plugin: unknown, options?: Record<string, unknown>): unknown;
  ready(): Promise<unknown>;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<unknown>;
  server: { address(): unknown };
  io?: HandlerServer;
}

export const create: ImplFactory = async ({ counter, redisUrl }) => {
  const plugin = await loadOptional<FastifyPluginModule>("@sockline/fastify", "default");
  const { default: fastify } = await import("fastify");
  const app = fastify({ logger: false }) as unknown as FastifyApp;
  await app.register(plugin.socketioPlugin ?? plugin.default, {});
  await app.ready();
  if (!app.io) throw new Error("@sockline/fastify did not decorate the app with `io`");
  const closeRedis = redisUrl ? await attachSocklineRedis(app.io, redisUrl) : async () => {};
  installHandlers(app.io, counter);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as { port: number }).port;
  return {
    port,
    close: async () => {
      await app.close();
      await closeRedis();
    },
  };
};
