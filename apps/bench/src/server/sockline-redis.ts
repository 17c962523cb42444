// Wires Sockline's Redis adapter (libs/redis-adapter) for the cross-node scenario.
import { loadOptional } from "./optional.js";
import { createRedisPair } from "./redis.js";

interface AdapterHost {
  adapter?(factory: unknown): unknown;
}

interface SocklineRedisAdapter {
  createAdapter(pub: unknown, sub: unknown, options?: Record<string, unknown>): unknown;
}

/** Installs the adapter on `io` and returns a function that closes the Redis connections. */
export async function attachSocklineRedis(io: unknown, redisUrl: string): Promise<() => Promise<void>> {
  const { createAdapter } = await loadOptional<SocklineRedisAdapter>("@sockline/redis-adapter", "createAdapter");
  const pair = await createRedisPair(redisUrl);
  const host = io as AdapterHost;
  if (typeof host.adapter !== "function") throw new Error("the Sockline server has no adapter() setter");
  host.adapter(createAdapter(pair.pub, pair.sub));
  return pair.close;
}

interface SocklineSessionRouterModule {
  createRedisSessionRouter(client: unknown, options: { subClient: unknown }): { ready: Promise<void>; close(): Promise<void> };
}

/**
 * The `sessionRouter` server option when the runner asks for one (routed scenarios: env
 * SOCKLINE_BENCH_SESSION_ROUTER=redis, with its own Redis connection; =cluster in a cluster worker,
 * the IPC router); empty options otherwise.
 */
export async function socklineRoutingOptions(
  redisUrl: string | undefined,
): Promise<{ options: Record<string, unknown>; close(): Promise<void> }> {
  const mode = process.env["SOCKLINE_BENCH_SESSION_ROUTER"];
  if (mode === "cluster") {
    const { clusterRouter } = await loadOptional<{ clusterRouter(): unknown }>("@sockline/core/cluster", "clusterRouter");
    return { options: { sessionRouter: clusterRouter() }, close: async () => {} };
  }
  if (mode !== "redis" || !redisUrl) return { options: {}, close: async () => {} };
  const { createRedisSessionRouter } = await loadOptional<SocklineSessionRouterModule>(
    "@sockline/redis-adapter",
    "createRedisSessionRouter",
  );
  const pair = await createRedisPair(redisUrl);
  const router = createRedisSessionRouter(pair.pub, { subClient: pair.sub });
  await router.ready;
  return {
    options: { sessionRouter: router },
    close: async () => {
      await router.close();
      await pair.close();
    },
  };
}
