import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/** What the server knows about a socket's connection (same fields as the reference `socket.handshake`). */
export interface Handshake {
  headers: IncomingMessage["headers"];
  /** Creation date as a string. */
  time: string;
  address: string;
  /** Whether the connection is cross-domain (an `Origin` header was sent). */
  xdomain: boolean;
  secure: boolean;
  /** Creation date as milliseconds since the epoch. */
  issued: number;
  url: string;
  query: Record<string, any>;
  auth: Record<string, any>;
}

/**
 * Builds the handshake from the engine request. Called lazily on first access so that sockets whose
 * handshake is never read do not carry it.
 */
export function buildHandshake(
  request: IncomingMessage | undefined,
  remoteAddress: string,
  issued: number,
  auth: Record<string, any>,
): Handshake {
  return {
    headers: request?.headers ?? {},
    time: new Date(issued) + "",
    address: remoteAddress,
    xdomain: !!request?.headers.origin,
    secure: !request || !!(request.socket as TLSSocket | undefined)?.encrypted,
    issued,
    url: request?.url as string,
    query: queryOf(request),
    auth,
  };
}

function queryOf(request: IncomingMessage | undefined): Record<string, any> {
  if (!request) return {};
  // engine.io-compatible engines keep the parsed query on the request.
  const parsed = (request as IncomingMessage & { _query?: Record<string, any> })._query;
  if (parsed) return parsed;
  const query: Record<string, any> = Object.create(null);
  const url = request.url ?? "";
  const q = url.indexOf("?");
  if (q !== -1) {
    for (const [key, value] of new URLSearchParams(url.slice(q + 1))) query[key] = value;
  }
  return query;
}
