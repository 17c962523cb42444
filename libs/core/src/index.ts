/**
 * `@sockline/core`: a Socket.IO v4 server (Socket.IO protocol 5 over Engine.IO protocol 4). Written
 * for the reference `socket.io` API: `import { Server } from "@sockline/core"`.
 */
export * from "./server/index.js";
export {
  Adapter,
  SessionAwareAdapter,
  type SocketId,
  type PrivateSessionId,
  type Room,
  type BroadcastFlags,
  type BroadcastOptions,
  type Session,
  type SessionToPersist,
  type AdapterNamespace,
  type AdapterSocket,
} from "./adapter/index.js";
export {
  Diagnostics,
  type Diagnostic,
  type DiagnosticCounts,
  type DiagnosticKind,
  type EngineMetricsSnapshot,
} from "./engine/index.js";
export { Encoder, Decoder, PacketType, protocol, type Packet } from "./parser/index.js";
