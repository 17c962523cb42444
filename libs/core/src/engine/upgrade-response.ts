/**
 * An HTTP upgrade request on its way through code that only knows how to answer with a
 * `ServerResponse`: the engine's `use()` middlewares, or a framework's router and hooks (Express,
 * Fastify; see `@sockline/core/integration`). The request travels with a real `ServerResponse`
 * bound to the raw socket, so anything that works on a response works here too (Express swaps
 * its prototype, Fastify's reply writes to it, express-session hooks `writeHead`):
 *
 * - if that code refuses the upgrade (401, 403, 429...), its answer is written straight to the
 *   socket, which is then closed;
 * - if the request gets through, `take()` detaches the socket from the response, and the headers
 *   that code set (CORS, a session cookie...) are read with `collectHeaders()` for the 101 answer.
 *
 * An upgrade pipelined behind an ordinary request may arrive while the answer to that request is
 * still being written (see `pipelining.ts`): the stand-in response is then assigned to the socket
 * only once that answer has finished. Until then, Node buffers what is written to it, so a refusal
 * still reaches the client, after the earlier answer.
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import { afterResponsesInFlight, responseInFlight } from "./pipelining.js";

const debug = createDebug("sockline:engine:upgrade");

export type UpgradeState = "pending" | "taken" | "answered";

export class PendingUpgrade {
  /** The stand-in response the middlewares / hooks write to when they refuse the upgrade. */
  readonly response: ServerResponse;
  private currentState: UpgradeState = "pending";
  private expiry: NodeJS.Timeout | undefined;
  /** Whether the stand-in response owns the socket (not yet, while an earlier answer is written on it). */
  private assigned = false;
  private cancelWaitForSocket: (() => void) | undefined;
  private settledListener: (() => void) | undefined;
  // Until someone owns the socket, a reset from the peer must not become an uncaught error.
  private readonly onSocketError = (err: Error): void => {
    debug('socket error during the upgrade of "%s": %s', this.req.url, err.message);
    this.socketErrorListener?.(err);
    this.socket.destroy();
  };
  private readonly onSocketClose = (): void => {
    this.clearExpiry();
    this.notifySettled();
  };
  // The peer finished sending: this can no longer become a websocket. Close, after an earlier
  // pipelined answer still in flight, so that it is not the one cut short.
  private readonly onSocketEnd = (): void => {
    if (this.currentState !== "pending") return;
    debug('peer ended the connection during the upgrade of "%s"', this.req.url);
    const earlierAnswerInFlight = !this.assigned;
    this.settle("answered");
    if (earlierAnswerInFlight) afterResponsesInFlight(this.socket, () => this.socket.destroy());
    else this.socket.destroy();
  };

  /** `onSocketError` is told about a socket error (a peer reset...) while the upgrade is pending. */
  constructor(
    readonly req: IncomingMessage,
    readonly socket: Duplex,
    readonly head: Buffer,
    private readonly socketErrorListener?: (error: Error) => void,
  ) {
    socket.on("error", this.onSocketError);
    const response = new ServerResponse(req);
    // The connection cannot be reused after a refused upgrade: say so in the refusal.
    response.shouldKeepAlive = false;
    // ...and its body simply runs until the close: no chunked framing for peers that expected a 101.
    response.useChunkedEncodingByDefault = false;
    refuseToPretendSuccess(response, () => this.currentState);
    this.response = response;
    this.cancelWaitForSocket = afterResponsesInFlight(socket, () => {
      this.cancelWaitForSocket = undefined;
      if (this.currentState !== "pending" || socket.destroyed) return;
      this.assigned = true;
      response.assignSocket(socket as NetSocket);
    });
    response.once("finish", () => {
      if (this.currentState !== "pending") return;
      this.settle("answered");
      // The refusal has been handed to the socket: flush it, then close.
      socket.end(() => socket.destroy());
    });
    socket.once("close", this.onSocketClose);
    socket.once("end", this.onSocketEnd);
  }

  /** `pending` while the request travels; `taken` once handed over; `answered` once refused. */
  get state(): UpgradeState {
    return this.currentState;
  }

  /**
   * `listener` runs once, when the request stops holding its socket on its way: taken, answered,
   * or closed by the peer (e.g. to count the upgrades in progress).
   */
  whenSettled(listener: () => void): void {
    this.settledListener = listener;
  }

  /**
   * Detaches the socket from the stand-in response so the caller can complete the handshake.
   * Returns false when it was already taken or answered (then the caller must leave it alone).
   */
  take(): boolean {
    if (this.currentState !== "pending" || this.socket.destroyed) return false;
    this.settle("taken");
    if (this.assigned) this.response.detachSocket(this.socket as NetSocket);
    // The socket outlives the upgrade by far (it becomes the connection): it must not keep this object alive.
    this.socket.removeListener("error", this.onSocketError);
    this.socket.removeListener("close", this.onSocketClose);
    this.socket.removeListener("end", this.onSocketEnd);
    return true;
  }

  /**
   * The headers set on the stand-in response, for the 101 answer. Runs the `writeHead` hooks first
   * (express-session sets its cookie there). Call after `take()`: the response is detached, so
   * nothing reaches the socket.
   */
  collectHeaders(): OutgoingHttpHeaders {
    if (this.currentState !== "taken")
      throw new Error(`collectHeaders() on an upgrade of "${this.req.url}" that is ${this.currentState}, not taken`);
    if (!this.response.headersSent) this.response.writeHead(101);
    return this.response.getHeaders();
  }

  /**
   * Bounds the time the request may stay pending: after `ms`, it is answered `408 Request Timeout`
   * (or destroyed if an answer had started). `onExpire` is told when that happens.
   */
  expireAfter(ms: number, onExpire?: () => void): void {
    this.clearExpiry();
    if (!Number.isFinite(ms) || ms <= 0) return;
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      if (this.currentState !== "pending") return;
      debug('upgrade of "%s" still pending after %d ms: answering 408', this.req.url, ms);
      onExpire?.();
      this.refuse(408, `upgrade request not handled within ${ms} ms`);
    }, ms);
    // A pending upgrade must not keep the process alive on its own.
    this.expiry.unref();
  }

  /** Answers the request with `status` and closes the connection, unless it was taken or answered. */
  refuse(status: number, message: string): void {
    if (this.currentState !== "pending") return;
    // An answer already started, or one that could only leave after an earlier answer still in
    // flight (which may never end): close instead.
    if (this.response.headersSent || !this.socket.writable || !this.assigned) {
      this.settle("answered");
      this.socket.destroy();
      return;
    }
    this.response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(message) });
    this.response.end(message);
  }

  private settle(state: Exclude<UpgradeState, "pending">): void {
    this.currentState = state;
    this.clearExpiry();
    this.cancelWaitForSocket?.();
    this.cancelWaitForSocket = undefined;
    this.notifySettled();
  }

  private notifySettled(): void {
    const listener = this.settledListener;
    if (listener === undefined) return;
    this.settledListener = undefined;
    listener();
  }

  private clearExpiry(): void {
    if (this.expiry === undefined) return;
    clearTimeout(this.expiry);
    this.expiry = undefined;
  }
}

/**
 * Answers an upgrade request that nobody will serve straight on its socket (e.g. `503` when too
 * many are in progress), then closes it. Destroys the socket instead when an answer cannot be
 * written now: the peer is gone, or an earlier pipelined response is still being written on it.
 */
export function refuseUpgradeOnSocket(
  socket: Duplex,
  status: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable || responseInFlight(socket) !== null) {
    socket.destroy();
    return;
  }
  // until the answer is flushed, a reset must not become an uncaught error
  socket.on("error", () => socket.destroy());
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${extra}Content-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

/**
 * A middleware that ends the stand-in response without choosing a status would answer
 * "200 OK" to an upgrade that did not happen: the client would wait for frames forever.
 * Such an answer becomes a 400.
 */
function refuseToPretendSuccess(response: ServerResponse, state: () => UpgradeState): void {
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, statusCode: number, ...rest: unknown[]) {
    if (state() === "pending" && statusCode < 300) statusCode = 400;
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, statusCode, ...rest);
  } as ServerResponse["writeHead"];
}

// Written by the websocket handshake itself, or meaningless on a 101 answer.
const OWNED_BY_THE_HANDSHAKE = new Set(["connection", "upgrade", "content-length", "transfer-encoding", "keep-alive", "content-type"]);

/** Extra response headers for a websocket handshake, e.g. those a framework set on its way. */
export type HandshakeHeaders = OutgoingHttpHeaders | Record<string, string | number | readonly string[] | undefined>;

/**
 * Adds `extra` to the 101 answer's `headers` (lower-cased names). Headers the handshake owns
 * (Connection, Upgrade, Sec-WebSocket-*...) are skipped; `set-cookie` values add up; for any other
 * header already present, the value in `headers` wins.
 */
export function mergeHandshakeHeaders(headers: Record<string, string | string[]>, extra: HandshakeHeaders | undefined): void {
  if (extra === undefined) return;
  for (const [name, value] of Object.entries(extra)) {
    const key = name.toLowerCase();
    if (value === undefined || OWNED_BY_THE_HANDSHAKE.has(key) || key.startsWith("sec-websocket-")) continue;
    const values = (typeof value === "object" ? [...value] : [value]).map(String);
    const existing = Object.keys(headers).find((header) => header.toLowerCase() === key);
    if (existing === undefined) headers[key] = values.length === 1 ? values[0]! : values;
    else if (key === "set-cookie") headers[existing] = [...[headers[existing]!].flat(), ...values];
  }
}

/**
 * The header lines of a 101 answer. Names are compared without case: a header set twice (by a
 * middleware as "cache-control", by the engine as "Cache-Control") is written once, with the value
 * set last; `Set-Cookie` values add up.
 */
export function headerLines(headers: Record<string, string | string[] | undefined>): string[] {
  const names = Object.keys(headers);
  if (names.length === 1) {
    // the usual case (only the engine's Cache-Control): nothing to merge
    const name = names[0]!;
    const value = headers[name];
    if (value === undefined) return [];
    return Array.isArray(value) ? value.map((v) => `${name}: ${v}`) : [`${name}: ${value}`];
  }
  const byName = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const values = (Array.isArray(value) ? value : [value]).map(String);
    const previous = byName.get(key);
    if (previous !== undefined && key === "set-cookie") previous.values.push(...values);
    else byName.set(key, { name, values });
  }
  const lines: string[] = [];
  for (const { name, values } of byName.values()) for (const v of values) lines.push(`${name}: ${v}`);
  return lines;
}
