/** Why a socket was disconnected (the `disconnect` / `disconnecting` reason). */
export type DisconnectReason =
  | "transport error"
  | "transport close"
  | "forced close"
  | "ping timeout"
  | "parse error"
  | "server shutting down"
  | "transport buffer full"
  | "forced server close"
  | "client namespace disconnect"
  | "server namespace disconnect";

export interface SocketReservedEvents {
  disconnect: (reason: DisconnectReason, description?: any) => void;
  disconnecting: (reason: DisconnectReason, description?: any) => void;
  error: (err: Error) => void;
}

/** Reasons after which the client is expected to come back, so its session is kept for recovery. */
export const RECOVERABLE_DISCONNECT_REASONS: ReadonlySet<string> = new Set([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
]);

/** Per-packet middleware: receives `[event, ...args]`, calls `next()` or `next(err)`. */
export type EventMiddleware = (event: any[], next: (err?: Error) => void) => void;
