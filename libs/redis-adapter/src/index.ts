export { createAdapter, type AdapterFactory } from "./create-adapter.js";
export { RedisAdapter, type RedisAdapterOptions } from "./classic-adapter.js";
export { RequestType, ClassicChannels, EMITTER_UID } from "./protocol.js";
export type { RemoteSocketDetails, WireRequest, WireResponse, BroadcastMessage } from "./protocol.js";
export { msgpackParser, type MessageParser } from "./codec.js";
export type { RedisClientLike, NodeRedisClientLike, IoRedisClientLike } from "./redis-client.js";
export { createStreamsAdapter } from "./streams/create-streams-adapter.js";
export { RedisStreamsAdapter, type RedisStreamsAdapterOptions } from "./streams/streams-adapter.js";
export { MessageType } from "./streams/cluster-protocol.js";
export type { RedisAdapterMetrics } from "./adapter-metrics.js";
export {
  createRedisSessionRouter,
  RedisSessionRouter,
  DEFAULT_ROUTER_OPTIONS,
  type RedisSessionRouterOptions,
} from "./session-router/redis-session-router.js";
export type { RouterStats as RedisSessionRouterStats } from "./session-router/router-transport.js";
