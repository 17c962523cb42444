export { Server, type ServerReservedEvents, type ParentNspNameMatchFn } from "./server.js";
export { Namespace, type ExtendedError, type ConnectionMiddleware, type MiddlewareOptions, type NamespaceReservedEvents } from "./namespace.js";
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
