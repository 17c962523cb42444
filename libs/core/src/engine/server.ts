/**
 * The Engine.IO server: handshakes, routing of polling requests and WebSocket
 * upgrades to sessions, errors, middlewares, and the session registry.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import { WebSocketServer, type WebSocket } from "ws";
import { addToMirror, mirrorOf, removeFromMirror } from "./clients-mirror.js";
import { corsMiddleware } from "./cors.js";
import { Diagnostics } from "./diagnostics.js";
import { EngineMetrics, type EngineMetricsSnapshot } from "./metrics.js";
import { reportRefusedRequest, reportRefusedWebSocketHandshake, reportSlowUpgradeMiddleware } from "./refusals.js";
import { serializeCookie } from "./cookie.js";
import { ERROR_CODES, ERROR_MESSAGES, protocolRevision, statusOf, type ErrorCode, type ErrorContext } from "./errors.js";
import { HeartbeatScheduler } from "./heartbeat.js";
import { runMiddlewares, type Middleware } from "./middleware.js";
import { checkOptions, OPTIONS_CHECKED } from "./option-check.js";
import {
  computePath,
  ENGINE_OPTION_RULES,
  resolveOptions,
  type ReferenceOnlyOptions,
  type ResolvedOptions,
  type ServerOptions,
  type TransportName,
} from "./options.js";
import { newPollingTransport, newSession, newWebSocketTransport } from "./protocols.js";
import type { SessionContext } from "./session-context.js";
import type { SessionRouter } from "./session-routing.js";
import type { Socket } from "./socket.js";
import { randomId } from "./random-id.js";
import { prepareRequest } from "./request-query.js";
import { shareRequestStrings } from "./shared-request-strings.js";
import type { PollingTransport } from "./transports/polling.js";
import { HttpPollResponder } from "./transports/poll-responder.js";
import { EngineRouting } from "./routing/engine-routing.js";
import { NO_OWNER, type EngineRequest, type Transport, type TransportContext } from "./transports/transport.js";
import { headerLines, mergeHandshakeHeaders, PendingUpgrade, type HandshakeHeaders } from "./upgrade-response.js";
import { hasInvalidHeaderChar } from "./header-value.js";
import { afterResponsesInFlight, responseInFlight } from "./pipelining.js";

const debug = createDebug("sockline:engine");

/** How long `closeGracefully()` waits for clients to take their close (their next GET, or the end of an upgrade). */
const SHUTDOWN_GRACE = 2_000;

export interface ConnectionError {
  req: IncomingMessage;
  code: ErrorCode;
  message: string;
  context: ErrorContext;
}

export interface AttachOptions {
  /** Default: the `path` option ("/engine.io"). */
  path?: string;
  /** Default: the `addTrailingSlash` option (true). */
  addTrailingSlash?: boolean;
  /** Default: the `destroyUpgrade` option (true). */
  destroyUpgrade?: boolean;
  /** Default: the `destroyUpgradeTimeout` option (1000). */
  destroyUpgradeTimeout?: number;
}

export interface ServerEvents {
  connection: [socket: Socket];
  connection_error: [error: ConnectionError];
  initial_headers: [headers: Record<string, string | string[]>, req: IncomingMessage];
  headers: [headers: Record<string, string | string[]>, req: IncomingMessage];
  flush: [socket: Socket, buffer: unknown[]];
  drain: [socket: Socket];
}

/** Options of `handleUpgrade()`. */
export interface UpgradeOptions {
  /**
   * Extra headers for the 101 answer, e.g. those a framework's hooks set while the upgrade went
   * through it (CORS, security headers, a session cookie). Headers the websocket handshake owns
   * (Connection, Upgrade, Sec-WebSocket-*, Content-Length, Content-Type...) are ignored; `Set-Cookie` values add up with
   * the engine's; for other names the engine's own headers and `headers` listeners win.
   */
  headers?: HandshakeHeaders;
}

type Verdict = (code?: ErrorCode, context?: ErrorContext) => void;

/** What the `ws` "headers" hook needs about an upgrade in progress. */
interface HandshakeInProgress {
  /** Headers set by middlewares on the stand-in response, and the caller's extra headers. */
  headers: Record<string, string | string[]>;
  /** Id of the session this upgrade creates (undefined when it upgrades an existing one). */
  newSessionId: string | undefined;
}

/** What the server hands its sessions and transports (one object per server, see `SessionContext`). */
type EngineContext = SessionContext<Socket> & TransportContext;

export class Server extends EventEmitter {
  static readonly errors = ERROR_CODES;
  static readonly errorMessages = ERROR_MESSAGES;
  static readonly protocol = 4;

  readonly opts: ResolvedOptions;
  /** Where limits reached and protocol violations are reported (see `Diagnostics`). */
  readonly diagnostics: Diagnostics;
  /** @internal The counters `metrics()` reads (see `metrics.ts`). */
  readonly _metrics = new EngineMetrics();
  /** The open sessions by id: what the engine itself looks sessions up in. */
  private readonly sessions = new Map<string, Socket>();
  /** `clients` once somebody has read it, kept in step with `sessions` from then on. */
  private clientsMirror: Record<string, Socket> | undefined;
  private readonly heartbeat: HeartbeatScheduler<Socket>;
  /** The context of every session and transport: they depend on it, not on this class. */
  private readonly context: EngineContext;
  private readonly middlewares: Middleware[] = [];
  private wss: WebSocketServer | null = null;
  /** Upgrades between our checks and the end of the `ws` handshake (a WeakMap: nothing is added to the request). */
  private readonly handshakes = new WeakMap<IncomingMessage, HandshakeInProgress>();
  /** Session routing (the `sessionRouter` option): null without a router, and then never consulted. */
  private readonly routing: EngineRouting | null;

  /**
   * `diagnostics`: share a reporter (the Socket.IO server passes its own); default a new one.
   * Unknown options get a warning, reference options Sockline does not support throw (`option-check.ts`).
   */
  constructor(opts: Partial<ServerOptions> & ReferenceOnlyOptions & { diagnostics?: Diagnostics; [OPTIONS_CHECKED]?: true } = {}) {
    super();
    if (opts[OPTIONS_CHECKED] !== true) checkOptions(opts, ENGINE_OPTION_RULES, "@sockline/core/engine Server");
    const { diagnostics, ...options } = opts;
    this.diagnostics = diagnostics ?? new Diagnostics();
    this.opts = resolveOptions(options);
    this.heartbeat = new HeartbeatScheduler<Socket>(this.opts.pingInterval, this.opts.pingTimeout, {
      ping: (socket) => socket.onPingDue(),
      timeout: (socket) => socket.onPongOverdue(),
    });
    this.context = {
      opts: this.opts,
      diagnostics: this.diagnostics,
      metrics: this._metrics,
      heartbeat: this.heartbeat,
      upgradesFor: (transport) => this.upgradesFor(transport),
      sessionClosed: (socket) => this.onSocketClose(socket),
      sessionFlushed: (socket, buffer) => {
        if (this.listenerCount("flush") > 0) this.emit("flush", socket, buffer);
      },
      sessionDrained: (socket) => {
        if (this.listenerCount("drain") > 0) this.emit("drain", socket);
      },
      emitResponseHeaders: (headers, req, newSessionId) => this.emitResponseHeaders(headers, req, newSessionId),
    };
    if (this.opts.cors) this.use(corsMiddleware(this.opts.cors));
    this.routing = this.opts.sessionRouter ? this.createRouting(this.opts.sessionRouter) : null;
  }

  private createRouting(router: SessionRouter): EngineRouting {
    return new EngineRouting(router, {
      opts: this.opts,
      diagnostics: this.diagnostics,
      sessionOf: (sid) => this.sessions.get(sid),
      verify: (req, upgrade, verdict) => this.verify(req, upgrade, verdict),
      reportRefusal: (req, code, context, upgrade) => {
        reportRefusedRequest(this.diagnostics, req, code, context, upgrade);
        this.emit("connection_error", { req, code, message: ERROR_MESSAGES[code], context });
      },
      refuseUpgrade: (req, socket, code, context) => this.refuseUpgrade(req, socket, code, context),
      upgradeSession: (req, socket, head, headers, session) =>
        this.upgradeSession(req, socket, head, { headers, newSessionId: undefined }, session),
      acceptWebSocket: (req, socket, head, headers, onOpen) =>
        this.completeWebSocketHandshake(req, socket, head, { headers, newSessionId: undefined }, onOpen, () => onOpen(undefined)),
    });
  }

  /**
   * The open sessions by id, as the reference documents them: `clients[sid]`, `Object.keys(clients)`.
   * A plain object built on the first read and kept up to date from then on (see `clients-mirror.ts`).
   */
  get clients(): Record<string, Socket> {
    return (this.clientsMirror ??= mirrorOf(this.sessions));
  }

  get clientsCount(): number {
    return this.sessions.size;
  }

  /** The engine's counters and gauges now, as one snapshot (see `EngineMetricsSnapshot`). */
  metrics(): EngineMetricsSnapshot {
    return this._metrics.snapshot();
  }

  /** Adds an express-style middleware, run for every HTTP request (upgrades included) before the engine. */
  use(fn: Middleware): this {
    this.middlewares.push(fn);
    return this;
  }

  /** Session ids: 20 random base64url characters (the reference's length). Override to customise. */
  generateId(_req: IncomingMessage): string | Promise<string> {
    return randomId();
  }

  private upgradesFor(transport: TransportName): TransportName[] {
    if (!this.opts.allowUpgrades || transport !== "polling") return [];
    return this.opts.transports.includes("websocket") ? ["websocket"] : [];
  }

  // ---- HTTP requests ----

  /** Serves one HTTP request that belongs to the engine path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    debug('%s "%s"', req.method, req.url);
    const request = prepareRequest(req);
    const proceed = (err?: unknown) => {
      if (err) return this.refuseRequest(request, res, ERROR_CODES.BAD_REQUEST, { name: "MIDDLEWARE_FAILURE", error: err });
      this.verify(request, false, (code, context) => {
        if (code !== undefined) return this.refuseRequest(request, res, code, context ?? {});
        const sid = request._query.sid;
        if (sid) {
          const socket = this.sessions.get(sid);
          if (!socket) {
            if (this.routing?.forwardPoll(request, res)) return;
            return this.refuseRequest(request, res, ERROR_CODES.UNKNOWN_SID, { sid });
          }
          (socket.transport as PollingTransport).onRequest(request, new HttpPollResponder(res));
          return;
        }
        this.withNewId(request, (id) => {
          if (id === undefined) return this.refuseRequest(request, res, ERROR_CODES.BAD_REQUEST, { name: "ID_GENERATION_ERROR" });
          shareRequestStrings(request);
          const transport = newPollingTransport(this.context, id, request);
          const socket = this.register(id, transport, request);
          transport.onRequest(request, new HttpPollResponder(res));
          this.emit("connection", socket);
        });
      });
    };
    if (this.middlewares.length === 0) proceed();
    else runMiddlewares(this.middlewares, request, res, proceed);
  }

  // ---- upgrades ----

  /**
   * Takes over an HTTP upgrade request for the engine path. `options.headers` adds headers to the
   * 101 answer (see `UpgradeOptions`).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options: UpgradeOptions = {}): void {
    debug('upgrade "%s"', req.url);
    // a reset connection must not become an uncaught "error" while we decide
    socket.on("error", onRawSocketError);
    // Pipelined behind a request whose answer is still being written: answer after it, in order.
    if (responseInFlight(socket) !== null) {
      debug('upgrade "%s" waits for the answer to an earlier request of its connection', req.url);
      afterResponsesInFlight(socket, () => this.takeUpgrade(req, socket, head, options));
      return;
    }
    this.takeUpgrade(req, socket, head, options);
  }

  private takeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options: UpgradeOptions): void {
    const request = prepareRequest(req);
    const pending: HandshakeInProgress = { headers: {}, newSessionId: undefined };
    // the stand-in response only exists when a middleware may use it
    const standIn = this.middlewares.length > 0 ? new PendingUpgrade(request, socket, head) : null;
    const upgradeHead = head.length > 0 ? Buffer.from(head) : head;
    const refuse = (code: ErrorCode, context: ErrorContext) => this.refuseUpgrade(request, socket, code, context);
    // Headers of the middlewares (their writeHead hooks run now), then the caller's.
    const collectHeaders = () => {
      if (standIn) mergeHandshakeHeaders(pending.headers, standIn.collectHeaders());
      mergeHandshakeHeaders(pending.headers, options.headers);
    };
    const proceed = (err?: unknown) => {
      // a middleware answered the request itself (or the socket is gone): nothing left to do
      if (standIn && !standIn.take()) return;
      if (err) return refuse(ERROR_CODES.BAD_REQUEST, { name: "MIDDLEWARE_FAILURE", error: err });
      this.verify(request, true, (code, context) => {
        if (code !== undefined) return refuse(code, context ?? {});
        const sid = request._query.sid;
        if (sid) {
          const session = this.sessions.get(sid);
          if (!session) {
            if (this.routing?.remoteOwnerOf(sid) === undefined) return refuse(ERROR_CODES.UNKNOWN_SID, { sid });
            collectHeaders();
            this.routing.forwardUpgrade(request, socket, upgradeHead, pending.headers);
            return;
          }
          collectHeaders();
          this.upgradeSession(request, socket, upgradeHead, pending, session);
          return;
        }
        this.withNewId(request, (id) => {
          if (id === undefined) return refuse(ERROR_CODES.BAD_REQUEST, { name: "ID_GENERATION_ERROR" });
          if (socket.destroyed) return;
          pending.newSessionId = id;
          collectHeaders();
          this.completeWebSocketHandshake(request, socket, upgradeHead, pending, (ws) => {
            shareRequestStrings(request);
            const transport = newWebSocketTransport(ws, NO_OWNER, request);
            const session = this.register(id, transport, request);
            this.emit("connection", session);
          });
        });
      });
    };
    if (!standIn) return proceed();
    const timeout = this.opts.upgradeMiddlewareTimeout;
    standIn.expireAfter(timeout, () => reportSlowUpgradeMiddleware(this.diagnostics, request, timeout));
    runMiddlewares(this.middlewares, request, standIn.response, proceed);
  }

  /** Completes the WebSocket handshake of an upgrade of `session` (local, or adopted from another node). */
  private upgradeSession(req: EngineRequest, socket: Duplex, head: Buffer, pending: HandshakeInProgress, session: Socket): void {
    this.completeWebSocketHandshake(req, socket, head, pending, (ws) => {
      if (session.readyState !== "open" || session.upgrading || session.upgraded || session.transport.name !== "polling") {
        // As the reference does: the second websocket is opened, then closed; the session and
        // its transport are left untouched (a websocket session is never taken over).
        debug("session %s: a further websocket is closed, the session cannot upgrade any more", session.id);
        // Until the peer answers the close (at most ws's close timeout), a bad frame from it
        // must not become an uncaught "error".
        ws.on("error", onClosingWebSocketError);
        ws.close();
        return;
      }
      session.maybeUpgrade(newWebSocketTransport(ws, session, req));
    });
  }

  private completeWebSocketHandshake(
    req: EngineRequest,
    socket: Duplex,
    head: Buffer,
    pending: HandshakeInProgress,
    onOpen: (ws: WebSocket) => void,
    onRefused?: () => void,
  ): void {
    const wss = this.webSocketServer();
    this.handshakes.set(req, pending);
    // The 101 answer and the first frame (the open packet) leave in one write instead of two. If
    // `ws` refuses the upgrade it ends or destroys the socket, which uncorks it.
    socket.cork();
    let opened = false;
    wss.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      socket.removeListener("error", onRawSocketError);
      this.handshakes.delete(req);
      try {
        onOpen(ws);
      } finally {
        socket.uncork();
      }
    });
    // `ws` checks the handshake headers synchronously and answers 400/405 itself when they are wrong
    if (!opened && socket.writableEnded) {
      this.handshakes.delete(req);
      reportRefusedWebSocketHandshake(this.diagnostics, req);
      onRefused?.();
    }
  }

  private webSocketServer(): WebSocketServer {
    if (this.wss) return this.wss;
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: this.opts.perMessageDeflate,
      maxPayload: this.opts.maxHttpBufferSize,
    });
    wss.on("headers", (lines: string[], req: IncomingMessage) => {
      const pending = this.handshakes.get(req);
      const headers = pending?.headers ?? {};
      this.emitResponseHeaders(headers, req, pending?.newSessionId);
      lines.push(...headerLines(headers));
    });
    wss.on("error", (err) => debug("websocket server error: %s", err.message));
    this.wss = wss;
    return wss;
  }

  // ---- shared ----

  /** Lets `headers` / `initial_headers` listeners (and the cookie option) edit response headers. */
  private emitResponseHeaders(headers: Record<string, string | string[]>, req: IncomingMessage, newSessionId: string | undefined): void {
    if (newSessionId !== undefined) {
      if (this.opts.cookie) headers["Set-Cookie"] = [serializeCookie(this.opts.cookie.name, newSessionId, this.opts.cookie)];
      this.emit("initial_headers", headers, req);
    }
    headers["Cache-Control"] ??= "no-store";
    this.emit("headers", headers, req);
  }

  private verify(req: EngineRequest, upgrade: boolean, verdict: Verdict): void {
    const query = req._query;
    const transport = query.transport as TransportName;
    if (!this.opts.transports.includes(transport)) return verdict(ERROR_CODES.UNKNOWN_TRANSPORT, { transport });
    const origin = req.headers.origin;
    if (origin !== undefined && hasInvalidHeaderChar(origin)) return verdict(ERROR_CODES.BAD_REQUEST, { name: "INVALID_ORIGIN", origin });

    const sid = query.sid;
    if (sid) {
      const session = this.sessions.get(sid);
      // a session another node owns is checked there (see `routing/engine-routing.ts`)
      if (!session) return this.routing?.remoteOwnerOf(sid) !== undefined ? verdict() : verdict(ERROR_CODES.UNKNOWN_SID, { sid });
      if (!upgrade && session.transport.name !== transport) {
        return verdict(ERROR_CODES.BAD_REQUEST, { name: "TRANSPORT_MISMATCH", transport, previousTransport: session.transport.name });
      }
      if (protocolRevision(query.EIO) !== session.protocol) {
        return verdict(ERROR_CODES.BAD_REQUEST, {
          name: "PROTOCOL_MISMATCH",
          protocol: protocolRevision(query.EIO),
          previousProtocol: session.protocol,
        });
      }
      if (upgrade) {
        if (transport !== "websocket") return verdict(ERROR_CODES.BAD_REQUEST, { name: "TRANSPORT_MISMATCH", transport });
        if (!this.opts.allowUpgrades) return verdict(ERROR_CODES.BAD_REQUEST, { name: "UPGRADE_NOT_ALLOWED", sid });
        // A session that is upgrading or already on websocket is not refused here: like the
        // reference, the handshake completes and that second websocket is closed (see handleUpgrade).
      }
      return verdict();
    }

    if (req.method !== "GET") return verdict(ERROR_CODES.BAD_HANDSHAKE_METHOD, { method: req.method });
    if (transport === "websocket" && !upgrade) return verdict(ERROR_CODES.BAD_REQUEST, { name: "TRANSPORT_HANDSHAKE_ERROR" });
    if (transport === "polling" && upgrade) return verdict(ERROR_CODES.BAD_REQUEST, { name: "TRANSPORT_HANDSHAKE_ERROR" });
    // anything but EIO=4 is protocol 3, as the reference reads it; spoken only under allowEIO3 (see protocols.ts)
    if (query.EIO !== "4" && !this.opts.allowEIO3) return verdict(ERROR_CODES.UNSUPPORTED_PROTOCOL_VERSION, { protocol: 3 });
    const allowRequest = this.opts.allowRequest;
    if (!allowRequest) return verdict();
    let answered = false;
    try {
      allowRequest(req, (message, success) => {
        if (answered) return;
        answered = true;
        if (!success) verdict(ERROR_CODES.FORBIDDEN, message ? { message } : {});
        else verdict();
      });
    } catch (error) {
      if (answered) return;
      answered = true;
      verdict(ERROR_CODES.FORBIDDEN, { message: "allowRequest threw", error });
    }
  }

  /** Runs generateId (sync or async); `then` gets undefined if it failed or gave a used/invalid id. */
  private withNewId(req: IncomingMessage, then: (id: string | undefined) => void): void {
    const accept = (generated: unknown) => {
      // with a router, the id names this node as the owner (see `session-routing.ts`)
      const id =
        this.routing !== null && typeof generated === "string" && generated !== "" ? this.routing.newSessionId(generated) : generated;
      if (typeof id !== "string" || id === "" || this.sessions.has(id)) {
        debug("generateId gave an invalid or duplicate id: %o", id);
        return then(undefined);
      }
      then(id);
    };
    let result: string | Promise<string>;
    try {
      result = this.generateId(req);
    } catch (e) {
      debug("generateId threw: %s", e);
      return then(undefined);
    }
    if (typeof result === "string") return accept(result);
    Promise.resolve(result).then(accept, (e: unknown) => {
      debug("generateId rejected: %s", e);
      then(undefined);
    });
  }

  private register(id: string, transport: Transport, req: EngineRequest): Socket {
    debug("session %s opened over %s", id, transport.name);
    const socket = newSession(id, this.context, transport, req);
    this.sessions.set(id, socket);
    this._metrics.opened(transport.name);
    if (this.clientsMirror !== undefined) addToMirror(this.clientsMirror, id, socket);
    return socket;
  }

  private onSocketClose(socket: Socket): void {
    if (this.sessions.get(socket.id) !== socket) return;
    this.sessions.delete(socket.id);
    if (this.clientsMirror !== undefined) removeFromMirror(this.clientsMirror, socket.id);
  }

  private refuseRequest(req: EngineRequest, res: ServerResponse, code: ErrorCode, context: ErrorContext): void {
    debug("request refused: %s %o", ERROR_MESSAGES[code], context);
    reportRefusedRequest(this.diagnostics, req, code, context, false);
    this._metrics.refused(code);
    this.emit("connection_error", { req, code, message: ERROR_MESSAGES[code], context });
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
    const message = typeof context.message === "string" ? context.message : ERROR_MESSAGES[code];
    res.writeHead(statusOf(code), { "Content-Type": "application/json" });
    res.end(JSON.stringify({ code, message }));
  }

  private refuseUpgrade(req: EngineRequest, socket: Duplex, code: ErrorCode, context: ErrorContext): void {
    debug("upgrade refused: %s %o", ERROR_MESSAGES[code], context);
    reportRefusedRequest(this.diagnostics, req, code, context, true);
    this._metrics.refused(code);
    this.emit("connection_error", { req, code, message: ERROR_MESSAGES[code], context });
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const message = typeof context.message === "string" ? context.message : ERROR_MESSAGES[code];
    const body = JSON.stringify({ code, message });
    const status = statusOf(code);
    socket.end(
      `HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : "Bad Request"}\r\n` +
        `Connection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        body,
    );
  }

  // ---- lifecycle ----

  /** Routes the engine path of `httpServer` to this engine; other requests keep their previous listeners. */
  attach(httpServer: HttpServer, options: AttachOptions = {}): this {
    const path = computePath(options.path ?? this.opts.path, options.addTrailingSlash ?? this.opts.addTrailingSlash);
    const destroyUpgrade = options.destroyUpgrade ?? this.opts.destroyUpgrade;
    const destroyUpgradeTimeout = options.destroyUpgradeTimeout ?? this.opts.destroyUpgradeTimeout;
    const isEnginePath = (req: IncomingMessage) => req.url !== undefined && req.url.slice(0, path.length) === path;

    const previous = httpServer.listeners("request").slice() as ((req: IncomingMessage, res: ServerResponse) => void)[];
    httpServer.removeAllListeners("request");
    httpServer.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (isEnginePath(req)) return this.handleRequest(req, res);
      for (const listener of previous) listener.call(httpServer, req, res);
    });
    httpServer.on("close", () => this.close());

    if (this.opts.transports.includes("websocket")) {
      httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (isEnginePath(req)) return this.handleUpgrade(req, socket, head);
        if (!destroyUpgrade) return;
        // nobody else may answer: without this the socket would stay open forever
        socket.on("error", onRawSocketError);
        setTimeout(() => {
          const raw = socket as Duplex & { bytesWritten?: number };
          if (raw.writable && (raw.bytesWritten ?? 0) <= 0) raw.end();
        }, destroyUpgradeTimeout).unref();
      });
    }
    return this;
  }

  /**
   * Closes every session so that each client is told (a close packet, or its WebSocket closed once
   * a half-done upgrade completes) and sees "transport close" rather than a failed poll or nothing
   * until its ping timeout. Resolves once every session is closed; what is still open after
   * `grace` ms (a client that stopped answering, or a session opened meanwhile) is closed at once,
   * as `close()` does. Keep the HTTP server open until this resolves: the close packets travel on it.
   */
  async closeGracefully(grace = SHUTDOWN_GRACE): Promise<void> {
    const sessions = [...this.sessions.values()];
    debug("closing %d sessions gracefully", sessions.length);
    const allClosed = Promise.all(sessions.map((socket) => new Promise<void>((resolve) => socket.once("close", () => resolve()))));
    for (const socket of sessions) socket.shutDown();
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([allClosed, new Promise<void>((resolve) => (deadline = setTimeout(resolve, grace)))]);
    clearTimeout(deadline);
    this.close();
  }

  /** Closes every session (at once, buffers discarded) and stops the heartbeat timer. */
  close(): this {
    debug("closing %d sessions", this.sessions.size);
    for (const socket of [...this.sessions.values()]) socket.close(true);
    this.heartbeat.stop();
    this.routing?.close();
    return this;
  }
}

function onClosingWebSocketError(this: WebSocket, err: Error): void {
  debug("error on a websocket being closed: %s", err.message);
  this.terminate();
}

function onRawSocketError(this: Duplex, err: Error): void {
  debug("socket error before the websocket took over: %s", err.message);
  this.destroy();
}
