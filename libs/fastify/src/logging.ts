import type { FastifyBaseLogger } from "fastify";
import type { Server } from "@sockline/core";
import { logDiagnostics, RateLimitedWarn } from "@sockline/core/integration";

interface ConnectionErrorLike {
  code?: unknown;
  message?: unknown;
  context?: unknown;
  req?: { url?: string; headers?: Record<string, unknown> };
}

interface EngineSocketLike {
  id: string;
  transport?: { name?: string };
  on(event: "close", listener: (this: EngineSocketLike, reason: string, description?: unknown) => void): unknown;
  on(event: "upgrade", listener: (this: EngineSocketLike, transport: { name?: string }) => void): unknown;
}

/** Pino's numeric levels, for loggers that cannot be asked `isLevelEnabled()`. */
const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * Whether `log` writes lines of `level`, as far as it can tell: pino (Fastify's logger) is asked;
 * another logger is judged by its `level` name; a logger without either (Fastify's logger when
 * `logger` is off) is taken as writing nothing.
 */
export function levelEnabled(log: FastifyBaseLogger, level: "debug" | "warn"): boolean {
  const ask = (log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  if (typeof ask === "function") return ask.call(log, level);
  const threshold = typeof log.level === "string" ? LEVELS[log.level] : undefined;
  return threshold !== undefined && LEVELS[level]! >= threshold;
}

/**
 * Logs every diagnostic of the server (limits reached, protocol violations) at warn, rate-limited:
 * `{ diagnostic: {...} }` and a readable message. Returns the function that stops it.
 */
export function logDiagnosticsToFastify(io: Server<any, any, any, any>, log: FastifyBaseLogger): (() => void) | undefined {
  // nobody would read them: no listener, so nothing is built per refusal either
  if (typeof log.level === "string" && !levelEnabled(log, "warn")) return undefined;
  return logDiagnostics(io.diagnostics, (diagnostic, message) => log.warn({ diagnostic }, message));
}

/**
 * Sends the engine's errors and lifecycle events to the Fastify logger. The lifecycle lines are
 * debug lines: their listeners (one per connection) are only added when the logger writes debug
 * lines at registration time. Returns the function that writes the count of the error lines the
 * rate limit held back (called when the app closes).
 */
export function forwardEngineEventsToLogger(io: Server<any, any, any, any>, log: FastifyBaseLogger): () => void {
  const engine = io.engine as unknown as {
    on(event: "connection_error", listener: (err: ConnectionErrorLike) => void): unknown;
    on(event: "connection", listener: (socket: EngineSocketLike) => void): unknown;
  };
  // Rejected requests are the client's problem (bad sid, wrong protocol...): warn, not error. And
  // rate-limited like the diagnostics: after a restart every client's old sid is refused at once,
  // and a hostile client can cause as many refusals as it sends requests.
  const lines = new RateLimitedWarn<object>((payload, message) => log.warn(payload, message), "connection errors");
  engine.on("connection_error", (err) => {
    lines.write({ code: err.code, context: err.context, url: err.req?.url }, `socket.io connection error: ${String(err.message)}`);
  });
  // One pair of listeners for every connection (the socket is `this`): a connection may stay open
  // for days, and a closure per connection would hold its own context all that time.
  const flush = () => lines.flush();
  if (!levelEnabled(log, "debug")) return flush;
  function onUpgrade(this: EngineSocketLike, transport: { name?: string }): void {
    log.debug({ sid: this.id, transport: transport?.name }, "socket.io connection upgraded");
  }
  function onClose(this: EngineSocketLike, reason: string): void {
    log.debug({ sid: this.id, reason }, "socket.io connection closed");
  }
  engine.on("connection", (socket) => {
    log.debug({ sid: socket.id, transport: socket.transport?.name }, "socket.io connection opened");
    socket.on("upgrade", onUpgrade);
    socket.on("close", onClose);
  });
  return flush;
}
