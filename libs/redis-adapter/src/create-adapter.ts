import { RedisAdapter, type RedisAdapterOptions } from "./classic-adapter.js";
import type { RedisClientLike } from "./redis-client.js";
import { SharedConnections } from "./shared-connections.js";

/**
 * What the server's `adapter` option takes: called (or constructed with `new`) once per namespace.
 */
export type AdapterFactory<A> = (nsp: any) => A;

/**
 * Classic Pub/Sub adapter, wire-compatible with `@socket.io/redis-adapter` 8.x and `@socket.io/redis-emitter`.
 *
 * @param pubClient - a connected `redis` (node-redis v4/v5) or `ioredis` client, used to publish and run commands
 * @param subClient - a second client for subscriptions; when omitted, `pubClient.duplicate()` is used (and closed with
 *   the last namespace)
 * @param opts - channel prefix, request timeout...
 */
export function createAdapter(
  pubClient: RedisClientLike,
  subClient?: RedisClientLike,
  opts?: RedisAdapterOptions,
): AdapterFactory<RedisAdapter> {
  const connections = new SharedConnections(pubClient, subClient);
  // a plain function (not an arrow) so that `new factory(nsp)` works as well as `factory(nsp)`
  return function redisAdapterFactory(nsp: any): RedisAdapter {
    return new RedisAdapter(nsp, connections, opts);
  };
}
