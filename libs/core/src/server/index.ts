/**
 * The Socket.IO server layer. Its names are camelCase, except the reference's underscore members
 * that the reference's adapters or its users call, kept under their names: `io._nsps`, `io._parser`,
 * `io._opts`, `io._connectTimeout`, `io.encoder`, `nsp._ids`, `nsp._onServerSideEmit`,
 * `socket.acks`, `socket.notifyOutgoingListeners`, `socket.packet`, `client._packet`,
 * `client.writeToEngine`. The reference's lowercase internals are camelCase here (`_onpacket` is
 * `_onPacket`, `ondata` is `onData`): no adapter or user calls them. The members the core's own
 * classes share (`_limits`, `_add`, `_onPacket`, `_onClose`...) are tagged internal: they are not in
 * the published types (`stripInternal`).
 */
export { Server, type ServerReservedEvents, type ParentNspNameMatchFn } from "./server.js";
export {
  Namespace,
  type ExtendedError,
  type ConnectionMiddleware,
  type MiddlewareOptions,
  type NamespaceReservedEvents,
} from "./namespace.js";
export { ParentNamespace } from "./parent-namespace.js";
export { Socket } from "./socket.js";
export { AckSender, type AckState, type AckFunction, type AckDelivery } from "./acks.js";
export { Client } from "./client.js";
export { BroadcastOperator, RemoteSocket, type SocketDetails, type TimeoutError } from "./broadcast-operator.js";
export type { Handshake } from "./handshake.js";
export type { DisconnectReason, SocketReservedEvents, EventMiddleware } from "./socket-types.js";
export type {
  ServerOptions,
  LimitOptions,
  ConnectionStateRecoveryOptions,
  ParserModule,
} from "./options.js";
export { DEFAULT_LIMITS, DEFAULT_CONNECT_TIMEOUT, DEFAULT_PATH } from "./options.js";
export type { EngineConnection, EngineLike } from "./engine-types.js";
export type { EncodedPacket, PacketEncoder, WriteOptions } from "./client-context.js";
export * from "./typed-events.js";
export type { MetricsSnapshot, NamespaceMetrics, PacketTypeName, AdapterMetrics } from "./metrics.js";
export { traceHandlerPromise } from "./tracing.js";
export type {
  AckContext,
  ConnectionMessage,
  DisconnectMessage,
  HandlerContext,
  PacketMessage,
  TracedSocket,
} from "./tracing.js";
