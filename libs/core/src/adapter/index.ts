export { Adapter } from "./in-memory-adapter.js";
export {
  SessionAwareAdapter,
  DEFAULT_MAX_DISCONNECTION_DURATION,
  DEFAULT_MAX_RECOVERY_PACKETS,
  DEFAULT_MAX_RECOVERY_SESSIONS,
} from "./session-aware-adapter.js";
export type {
  SocketId,
  PrivateSessionId,
  Room,
  BroadcastFlags,
  BroadcastOptions,
  Session,
  SessionToPersist,
  AckCallback,
  AdapterSocket,
  AdapterNamespace,
  RecoveryOptions,
} from "./types.js";
