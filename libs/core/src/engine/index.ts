/**
 * `@sockline/core/engine`: the Engine.IO protocol 4 server (and 3 under `allowEIO3`), usable on its own
 * (like the reference `engine.io` package) and used by the Socket.IO layer.
 */
export { Server, Server as EngineServer } from "./server.js";
export type { AttachOptions, ConnectionError, ServerEvents, UpgradeOptions } from "./server.js";
export type { HandshakeHeaders } from "./upgrade-response.js";
export { Socket, Socket as EngineSocket } from "./socket.js";
export type { CloseReason, ReadyState, SendOptions, SocketEvents } from "./socket.js";
export { SharedMessage } from "./shared-message.js";
export { Diagnostics } from "./diagnostics.js";
export type { Diagnostic, DiagnosticCounts, DiagnosticKind, DiagnosticsEvents } from "./diagnostics.js";
export type { EngineMetricsSnapshot } from "./metrics.js";
export { attach, listen } from "./attach.js";
export { protocol, encodePacket, encodePacketToString, decodePacket, toBuffer } from "./packet.js";
export type { Packet, PacketType, PacketOptions, RawData, BinaryData, SendData } from "./packet.js";
export { encodePayload, decodePayload, SEPARATOR } from "./payload.js";
// the protocol 3 codec (`allowEIO3`): reference engine.io keeps its own (parser-v3) internal
export {
  decodeBinaryPayloadV3,
  decodeTextPacketV3,
  decodeTextPayloadV3,
  encodeBinaryPayloadV3,
  encodePacketToStringV3,
  encodeTextPayloadV3,
  MAX_LENGTH_DIGITS,
} from "./eio3/codec.js";
export type { DecodedPayload } from "./eio3/codec.js";
export { ERROR_CODES, ERROR_MESSAGES } from "./errors.js";
export type { ErrorCode, ErrorContext } from "./errors.js";
export { DEFAULT_OPTIONS } from "./options.js";
export type { ServerOptions, ReferenceOnlyOptions, ResolvedOptions, TransportName, AllowRequest } from "./options.js";
export { UNKNOWN_OPTION_WARNING, UNSUPPORTED_OPTION_ERROR } from "./option-check.js";
export type { CorsOptions, CorsOptionsDelegate, CorsOrigin, CorsOriginFunction } from "./cors.js";
export type { CookieOptions } from "./cookie.js";
export type { HttpCompressionOptions } from "./compression.js";
export type { Middleware } from "./middleware.js";
export type { Transport, EngineRequest } from "./transports/transport.js";
export { routedSessionId, ownerOfRoutedSessionId, NODE_ID_PATTERN, OWNER_SEPARATOR } from "./session-routing.js";
export type {
  SessionRouter,
  RoutedNode,
  ForwardedPoll,
  ForwardedAnswer,
  ForwardedUpgrade,
  RelayedWebSocket,
} from "./session-routing.js";
