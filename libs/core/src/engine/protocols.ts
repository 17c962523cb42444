/**
 * The one place where a session's protocol revision picks its classes: Engine.IO 4 (`EIO=4`), or
 * Engine.IO 3 for anything else, which the server only lets through under `allowEIO3` (see
 * `verify()` in `server.ts`). A protocol 3 session gets the protocol 3 subclasses (`eio3/`) once,
 * when it is created: protocol 4 sessions run the protocol 4 classes and pay nothing per packet.
 */
import type { WebSocket } from "ws";
import { protocolRevision } from "./errors.js";
import { jsonpIndex } from "./eio3/jsonp.js";
import { Eio3PollingTransport } from "./eio3/polling.js";
import { Eio3Socket } from "./eio3/socket.js";
import { Eio3WebSocketTransport } from "./eio3/websocket.js";
import type { SessionContext } from "./session-context.js";
import { Socket } from "./socket.js";
import { PollingTransport } from "./transports/polling.js";
import type { EngineRequest, Transport, TransportContext, TransportOwner } from "./transports/transport.js";
import { WebSocketTransport } from "./transports/websocket.js";

function isProtocol3(req: EngineRequest): boolean {
  return protocolRevision(req._query.EIO) === 3;
}

/** Whether the client asked for binary as base64 text (`b64` in the query, a protocol 3 client without XHR2). */
function supportsBinary(req: EngineRequest): boolean {
  return !req._query.b64;
}

/**
 * The polling transport of a new session opened by `req`: JSONP when a protocol 3 handshake asks
 * for it (`j`). (The reference also serves JSONP to protocol 4; no protocol 4 client asks for it
 * since engine.io-client 6, and Sockline does not.)
 */
export function newPollingTransport(ctx: TransportContext, sid: string, req: EngineRequest): PollingTransport {
  if (!isProtocol3(req)) return new PollingTransport(ctx, sid);
  const jsonp = jsonpIndex(req._query);
  // a JSONP client cannot read a binary payload, whatever its query says
  return new Eio3PollingTransport(ctx, sid, jsonp === undefined && supportsBinary(req), jsonp);
}

/** The transport over the WebSocket `req` opened (a new session, or the upgrade of one of the same revision). */
export function newWebSocketTransport(ws: WebSocket, owner: TransportOwner, req: EngineRequest): WebSocketTransport {
  return isProtocol3(req) ? new Eio3WebSocketTransport(ws, owner, supportsBinary(req)) : new WebSocketTransport(ws, owner);
}

/** The session `req` opens over `transport`. */
export function newSession(id: string, ctx: SessionContext<Socket>, transport: Transport, req: EngineRequest): Socket {
  return isProtocol3(req) ? new Eio3Socket(id, ctx, transport, req) : new Socket(id, ctx, transport, req);
}
