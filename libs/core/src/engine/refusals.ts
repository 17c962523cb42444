/**
 * Diagnostics of the requests the engine refuses before any session takes them (handshakes,
 * polling requests and upgrades answered with an Engine.IO error, websocket handshakes `ws`
 * refuses): one report for each that is a protocol violation by the client.
 */
import type { Diagnostics } from "./diagnostics.js";
import { ERROR_CODES, ERROR_MESSAGES, statusOf, type ErrorCode, type ErrorContext } from "./errors.js";
import type { EngineRequest } from "./transports/transport.js";

/**
 * Reports a refused request that broke the protocol (see `protocolViolation`). Refusals that are
 * the application's decision (`allowRequest`, a middleware, `generateId`) or ordinary (the sid of
 * a session that is gone, e.g. after a restart) are not reported.
 */
export function reportRefusedRequest(
  diagnostics: Diagnostics,
  req: EngineRequest,
  code: ErrorCode,
  context: ErrorContext,
  upgrade: boolean,
): void {
  const name = protocolViolation(code, context);
  if (name === undefined) return;
  const what = upgrade ? "upgrade" : `${req.method ?? "?"} request`;
  diagnostics.report({
    kind: "violation",
    name,
    message: `${what} refused: ${ERROR_MESSAGES[code]} (code ${code}) ${describeContext(context, req)}`.trimEnd(),
    action: `${upgrade ? "upgrade" : "request"} refused (${statusOf(code)})`,
    ...peerOf(req),
  });
}

/** Reports a websocket handshake that `ws` answered 400/405 itself (missing or invalid Upgrade, key, version...). */
export function reportRefusedWebSocketHandshake(diagnostics: Diagnostics, req: EngineRequest): void {
  const headers = req.headers;
  diagnostics.report({
    kind: "violation",
    name: "invalid-websocket-handshake",
    message:
      `websocket handshake refused by ws (method ${req.method ?? "?"}, Upgrade "${headers.upgrade ?? ""}", ` +
      `Sec-WebSocket-Version "${headers["sec-websocket-version"] ?? ""}", Sec-WebSocket-Key ${headers["sec-websocket-key"] === undefined ? "missing" : "present"})`,
    action: "upgrade refused",
    ...peerOf(req),
    transport: "websocket",
  });
}

/** Reports an upgrade the engine's `use()` middlewares held past `upgradeMiddlewareTimeout` (answered 408). */
export function reportSlowUpgradeMiddleware(diagnostics: Diagnostics, req: EngineRequest, timeout: number): void {
  diagnostics.report({
    kind: "limit",
    name: "upgradeMiddlewareTimeout",
    message: `upgrade of "${req.url ?? ""}" still in the engine's middlewares after ${timeout} ms`,
    action: "upgrade refused (408)",
    ...peerOf(req),
    value: timeout,
    limit: timeout,
  });
}

function peerOf(req: EngineRequest): { sid?: string; remoteAddress: string; transport?: string } {
  const { sid, transport } = req._query;
  const peer: { sid?: string; remoteAddress: string; transport?: string } = { remoteAddress: req.socket?.remoteAddress ?? "" };
  if (sid) peer.sid = sid;
  if (transport) peer.transport = transport;
  return peer;
}

/**
 * The diagnostic name of a refusal that is a protocol violation by the client, or undefined for
 * refusals that are not (unknown sid: a session that ended; forbidden: `allowRequest`; a
 * middleware's or `generateId`'s failure: the application's).
 */
function protocolViolation(code: ErrorCode, context: ErrorContext): string | undefined {
  switch (code) {
    case ERROR_CODES.UNKNOWN_TRANSPORT:
      return "unknown-transport";
    case ERROR_CODES.BAD_HANDSHAKE_METHOD:
      return "bad-handshake-method";
    case ERROR_CODES.UNSUPPORTED_PROTOCOL_VERSION:
      return "unsupported-protocol-version";
    case ERROR_CODES.BAD_REQUEST: {
      const name = typeof context.name === "string" ? context.name : "BAD_REQUEST";
      if (name === "MIDDLEWARE_FAILURE" || name === "ID_GENERATION_ERROR") return undefined;
      return name.toLowerCase().replaceAll("_", "-");
    }
    default:
      return undefined;
  }
}

/** The figures of a refusal's context (transport, method, protocol...) for a diagnostic's message. */
function describeContext(context: ErrorContext, req: EngineRequest): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(context)) {
    if (key === "name" || key === "error" || key === "message" || value === undefined) continue;
    parts.push(`${key} ${JSON.stringify(value)}`);
  }
  // `protocol` is the revision (3 for anything but "4", as the reference reports it): the operator also sees what was sent
  if ("protocol" in context) parts.push(`EIO ${JSON.stringify(req._query.EIO ?? null)}`);
  return parts.length > 0 ? `[${parts.join(", ")}]` : "";
}
