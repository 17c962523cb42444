import type { AdapterFactory } from "../create-adapter.js";
import type { RedisClientLike } from "../redis-client.js";
import { DEFAULT_STREAMS_OPTIONS, RedisStreamsAdapter, type RedisStreamsAdapterOptions } from "./streams-adapter.js";
import { StreamsConnections } from "./streams-connections.js";

/**
 * Redis Streams adapter, compatible with `@socket.io/redis-streams-adapter` 0.3.x, with connection state recovery
 * across nodes. Only one client is needed: the subscriber and the stream readers are duplicates of it, opened by
 * this library and closed with the last namespace.
 */
export function createStreamsAdapter(client: RedisClientLike, opts: RedisStreamsAdapterOptions = {}): AdapterFactory<RedisStreamsAdapter> {
  const options = { ...DEFAULT_STREAMS_OPTIONS, ...opts };
  const connections = new StreamsConnections(client, { readCount: options.readCount, blockTimeInMs: options.blockTimeInMs });
  return function redisStreamsAdapterFactory(nsp: any): RedisStreamsAdapter {
    return new RedisStreamsAdapter(nsp, connections, options);
  };
}
