import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import { Adapter, SessionAwareAdapter, type Room, type SocketId } from "../adapter/index.js";
import { DEFAULT_OPTIONS as ENGINE_DEFAULTS, Diagnostics, EngineServer, type UpgradeOptions } from "../engine/index.js";
import { checkOptions, OPTIONS_CHECKED } from "../engine/option-check.js";
import { Decoder, Encoder } from "../parser/index.js";
import type { BroadcastOperator, RemoteSocket } from "./broadcast-operator.js";
import { Client } from "./client.js";
import type { ClientContext, PacketDecoder, PacketEncoder } from "./client-context.js";
import { ConnectDeadlines } from "./connect-deadlines.js";
import type { EngineConnection, EngineLike } from "./engine-types.js";
import { metricsSnapshot, ServerMetrics, type MetricsSnapshot } from "./metrics.js";
import { Namespace, type ConnectionMiddleware, type MiddlewareOptions, type NamespaceReservedEvents } from "./namespace.js";
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_LIMITS,
  DEFAULT_PATH,
  SERVER_OPTION_RULES,
  type LimitOptions,
  type ParserModule,
  type ServerOptions,
} from "./options.js";
import { ParentNamespace } from "./parent-namespace.js";
import { clientFileOf, serveClientFile } from "./serve-client.js";
import type { Socket } from "./socket.js";
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
  type RemoveAcknowledgements,
} from "./typed-events.js";

const debug = createDebug("sockline:server");

/** Who the option warnings and errors name. */
const OPTIONS_OWNER = "@sockline/core Server";

declare module "./parents.js" {
  // `nsp.server` and `socket.server` are typed with this class (see parents.ts)
  interface Parents<ListenEvents extends EventsMap, EmitEvents extends EventsMap, ServerSideEvents extends EventsMap, SocketData> {
    server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  }
}

export interface ServerReservedEvents<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> extends NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  new_namespace: (namespace: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** Decides whether a namespace name may be created dynamically: `next(err, allowed)`. */
export type ParentNspNameMatchFn = (
  name: string,
  auth: { [key: string]: any },
  next: (err: Error | null, success: boolean) => void,
) => void;

type ResolvedLimits = Required<LimitOptions>;

/**
 * The Socket.IO server: owns the engine, the namespaces and the options. The event-emitter methods
 * (`on`, `once`, `off`...) act on the main namespace, as with the reference server.
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  /** The main namespace ("/"). */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  engine!: EngineServer;
  /**
   * Every limit reached and protocol violation, engine and Socket.IO level alike, as one structured
   * event: `io.diagnostics.on("diagnostic", (d) => ...)`. Shared with every engine this server creates.
   */
  readonly diagnostics = new Diagnostics();
  /** @internal The Socket.IO layer's counters (see `metrics.ts`); `metrics()` reads them. */
  readonly _metrics = new ServerMetrics();
  httpServer: HttpServer | undefined;
  readonly encoder: PacketEncoder;
  readonly opts: ServerOptions;
  readonly _parser: ParserModule | undefined;
  readonly _nsps = new Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  private readonly parentNsps = new Map<ParentNspNameMatchFn, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  private readonly parentNamespacesFromRegExp = new Map<RegExp, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  _connectTimeout: number;
  /** @internal The limits with their defaults filled in. */
  readonly _limits: ResolvedLimits;
  private _path: string;
  private _serveClient: boolean;
  private _adapter: any;
  /** What every connection's `Client` is handed (see `ClientContext`). */
  private readonly clientContext: ClientContext<Client, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>;
  private readonly onConnection = (conn: EngineConnection) => {
    debug("incoming connection %s", conn.id);
    new Client(this.clientContext, conn);
  };

  constructor(opts?: Partial<ServerOptions>);
  constructor(srv: HttpServer | number | string, opts?: Partial<ServerOptions>);
  constructor(srv?: HttpServer | number | string | Partial<ServerOptions>, opts?: Partial<ServerOptions>);
  constructor(srv?: HttpServer | number | string | Partial<ServerOptions>, opts: Partial<ServerOptions> = {}) {
    super();
    if (srv !== undefined && typeof srv === "object" && typeof (srv as { listen?: unknown }).listen !== "function") {
      opts = srv as Partial<ServerOptions>;
      srv = undefined;
    }
    checkOptions(opts, SERVER_OPTION_RULES, OPTIONS_OWNER);
    const options: ServerOptions = { ...opts };
    if (options.connectionStateRecovery) {
      options.connectionStateRecovery = {
        maxDisconnectionDuration: 2 * 60 * 1000,
        skipMiddlewares: true,
        ...options.connectionStateRecovery,
      };
    }
    // On by default (the reference's default is off): clients must not be able to pile up namespaces.
    options.cleanupEmptyChildNamespaces = options.cleanupEmptyChildNamespaces !== false;
    this.opts = options;
    this._path = (options.path || DEFAULT_PATH).replace(/\/$/, "");
    this._connectTimeout = options.connectTimeout || DEFAULT_CONNECT_TIMEOUT;
    this._serveClient = options.serveClient !== false;
    this._limits = {
      maxAttachments: options.maxAttachments ?? DEFAULT_LIMITS.maxAttachments,
      maxPayloadDepth: options.maxPayloadDepth ?? DEFAULT_LIMITS.maxPayloadDepth,
      attachmentTimeout: options.attachmentTimeout ?? DEFAULT_LIMITS.attachmentTimeout,
      // one packet's attachments may hold about what one engine message may
      maxAttachmentBytes: options.maxAttachmentBytes ?? options.maxHttpBufferSize ?? ENGINE_DEFAULTS.maxHttpBufferSize,
      maxPendingAcks: options.maxPendingAcks ?? DEFAULT_LIMITS.maxPendingAcks,
      maxChildNamespaces: options.maxChildNamespaces ?? DEFAULT_LIMITS.maxChildNamespaces,
      maxNamespacesPerConnection: options.maxNamespacesPerConnection ?? DEFAULT_LIMITS.maxNamespacesPerConnection,
    };
    this._parser = options.parser;
    this.encoder = options.parser ? new options.parser.Encoder() : new Encoder();
    this.clientContext = {
      encoder: this.encoder,
      diagnostics: this.diagnostics,
      metrics: this._metrics,
      attachmentTimeout: this._limits.attachmentTimeout,
      maxNamespacesPerConnection: this._limits.maxNamespacesPerConnection,
      sharedTextDecoder: () => this.sharedTextDecoder(),
      createDecoder: () => this.createDecoder(),
      connectDeadlines: () => this.connectDeadlinesNow(),
      findNamespace: (name, auth, found) => this.findNamespace(name, auth, found),
    };
    this._adapter = options.adapter || (options.connectionStateRecovery ? SessionAwareAdapter : Adapter);
    this.sockets = this.of("/") as Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
    // The engine exists from the start: plugins mount it through handleRequest/handleUpgrade.
    this.bind(new EngineServer(this.engineOptions()));
    if (srv !== undefined) this.attach(srv as HttpServer | number);
  }

  /**
   * The server's figures now, as one snapshot: connections by transport and namespace, handshakes,
   * disconnects by reason, packets, broadcasts, acks, recovery, limit hits, the adapters' figures
   * (see `MetricsSnapshot`, and `@sockline/core/prometheus` to export them).
   */
  metrics(): MetricsSnapshot {
    return metricsSnapshot(this);
  }

  /** Same as `opts` (kept for code written against the reference). */
  get _opts(): ServerOptions {
    return this.opts;
  }

  /** The options of a new engine: ours (already checked, see `checkOptions`), `extra` over them. */
  private engineOptions(extra: Partial<ServerOptions> = {}): Record<string, unknown> {
    return { ...this.opts, ...extra, path: extra.path ?? this._path, diagnostics: this.diagnostics, [OPTIONS_CHECKED]: true };
  }

  private connectDeadlines: ConnectDeadlines<Client> | undefined;

  /** The queue of clients that have `connectTimeout` ms to join a namespace (a new one when the value changes). */
  private connectDeadlinesNow(): ConnectDeadlines<Client> {
    let deadlines = this.connectDeadlines;
    if (deadlines === undefined || deadlines.timeout !== this._connectTimeout) {
      deadlines = this.connectDeadlines = new ConnectDeadlines(this._connectTimeout);
    }
    return deadlines;
  }

  /** A decoder for one connection: ours with the configured limits, or the custom parser's. */
  private createDecoder(): PacketDecoder {
    if (this._parser) return new this._parser.Decoder();
    return this.newBuiltInDecoder();
  }

  private newBuiltInDecoder(): Decoder {
    const limits = this._limits;
    return new Decoder({
      maxAttachments: limits.maxAttachments,
      maxDepth: limits.maxPayloadDepth,
      maxAttachmentBytes: limits.maxAttachmentBytes,
    });
  }

  private textDecoder: Decoder | undefined;

  /**
   * The built-in decoder shared by every connection for its text frames (`decodeString` keeps no
   * state), or undefined with a custom parser. Connections only get a decoder of their own while a
   * binary packet waits for its attachments.
   */
  private sharedTextDecoder(): Decoder | undefined {
    if (this._parser) return undefined;
    return (this.textDecoder ??= this.newBuiltInDecoder());
  }

  serveClient(): boolean;
  serveClient(v: boolean): this;
  serveClient(v?: boolean): this | boolean {
    if (v === undefined) return this._serveClient;
    this._serveClient = v;
    return this;
  }

  path(): string;
  path(v: string): this;
  path(v?: string): this | string {
    if (v === undefined) return this._path;
    this._path = v.replace(/\/$/, "");
    return this;
  }

  connectTimeout(): number;
  connectTimeout(v: number): this;
  connectTimeout(v?: number): this | number {
    if (v === undefined) return this._connectTimeout;
    this._connectTimeout = v;
    return this;
  }

  /** Gets or sets the adapter constructor; setting it re-creates every namespace's adapter. */
  adapter(): any;
  adapter(v: any): this;
  adapter(v?: any): any {
    if (v === undefined) return this._adapter;
    this._adapter = v;
    for (const nsp of this._nsps.values()) nsp._initAdapter();
    return this;
  }

  /**
   * The namespace a client's CONNECT names: an existing one, or else a child of the first parent
   * namespace (regex / function) that accepts the name; `fn` gets false when none does. When the
   * parent that accepts it already holds `maxChildNamespaces` children created for clients, `fn`
   * gets false and that parent's figures.
   */
  private findNamespace(
    name: string,
    auth: { [key: string]: any },
    fn: (
      nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | false,
      full?: { children: number; limit: number },
    ) => void,
  ): void {
    const existing = this._nsps.get(name);
    if (existing) return fn(existing);
    if (this.parentNsps.size === 0) return fn(false);
    const matchers = this.parentNsps.keys();
    const next = (): void => {
      const step = matchers.next();
      if (step.done) return fn(false);
      const matcher = step.value;
      matcher(name, auth, (err, allowed) => {
        if (err || !allowed) return next();
        const existing = this._nsps.get(name);
        if (existing) return fn(existing);
        const parent = this.parentNsps.get(matcher)!;
        const child = parent._createChildForClient(name);
        if (child) return fn(child);
        debug("parent namespace %s holds maxChildNamespaces (%d) children: %s refused", parent.name, this._limits.maxChildNamespaces, name);
        fn(false, { children: parent.childrenCreatedForClients, limit: this._limits.maxChildNamespaces });
      });
    };
    next();
  }

  listen(srv: HttpServer | number | string, opts: Partial<ServerOptions> = {}): this {
    return this.attach(srv, opts);
  }

  /**
   * Routes the Socket.IO path of an HTTP server (or of a new one listening on `port`) to this server;
   * other requests keep going to the listeners that were there before.
   */
  attach(srv: HttpServer | number | string, opts: Partial<ServerOptions> = {}): this {
    if (typeof srv === "function") {
      throw new Error("You are trying to attach socket.io to an express request handler function. Please pass a http.Server instance.");
    }
    // the reference's `Number(srv) == srv`: a numeric string is a port
    if (typeof srv === "string" && !Number.isNaN(Number(srv))) srv = Number(srv);
    if (typeof srv === "number") {
      debug("creating http server listening on %d", srv);
      const port = srv;
      srv = createServer((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      srv.listen(port);
    }
    const httpServer = srv as HttpServer;
    if (Object.keys(opts).length > 0) {
      checkOptions(opts, SERVER_OPTION_RULES, OPTIONS_OWNER);
      if (opts.path) this.path(opts.path);
      // Engine options given here apply to a new engine (as the reference creates its engine here).
      this.bind(new EngineServer(this.engineOptions(opts)));
    }
    this.engine.attach(httpServer, {
      path: this._path,
      addTrailingSlash: opts.addTrailingSlash ?? this.opts.addTrailingSlash,
      destroyUpgrade: opts.destroyUpgrade ?? this.opts.destroyUpgrade,
      destroyUpgradeTimeout: opts.destroyUpgradeTimeout ?? this.opts.destroyUpgradeTimeout,
    });
    if (this._serveClient) this.attachServe(httpServer);
    this.httpServer = httpServer;
    return this;
  }

  /** Puts the client bundle handler in front of the request listeners already on `srv`. */
  private attachServe(srv: HttpServer): void {
    const previous = srv.listeners("request").slice() as ((req: IncomingMessage, res: ServerResponse) => void)[];
    srv.removeAllListeners("request");
    srv.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const file = this._serveClient ? clientFileOf(req.url, this._path) : undefined;
      if (file) return serveClientFile(file, req, res);
      for (const listener of previous) listener.call(srv, req, res);
    });
  }

  /** Framework-neutral entry point for one HTTP request on the Socket.IO path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this._serveClient) {
      const file = clientFileOf(req.url, this._path);
      if (file) return serveClientFile(file, req, res);
    }
    this.engine.handleRequest(req, res);
  }

  /**
   * Framework-neutral entry point for one HTTP upgrade request on the Socket.IO path. `options.headers` are added to
   * the 101 answer (what a framework's hooks set on the way, e.g. a session cookie).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options?: UpgradeOptions): void {
    this.engine.handleUpgrade(req, socket, head, options);
  }

  /** Uses `engine` for the connections from now on (the previous, unused engine is closed). */
  bind(engine: EngineLike | EngineServer): this {
    const previous = this.engine as EngineLike | undefined;
    if (previous === engine) return this;
    if (previous) {
      previous.removeListener("connection", this.onConnection);
      if (previous.clientsCount === 0) previous.close();
    }
    this.engine = engine as EngineServer;
    engine.on("connection", this.onConnection);
    return this;
  }

  /**
   * The namespace of that name (created on first use), or, for a RegExp or a function, a parent
   * namespace whose children are created on demand for the matching names clients ask for.
   */
  of(
    name: string | RegExp | ParentNspNameMatchFn,
    fn?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name === "function" || name instanceof RegExp) {
      if (name instanceof RegExp && (name.global || name.sticky)) {
        throw new Error("stateful regular expressions are not supported");
      }
      const parent = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this);
      debug("initializing parent namespace %s", parent.name);
      if (typeof name === "function") {
        this.parentNsps.set(name, parent);
      } else {
        const regex = name;
        this.parentNsps.set((nsp, _auth, next) => next(null, regex.test(nsp)), parent);
        this.parentNamespacesFromRegExp.set(regex, parent);
      }
      if (fn) parent.on("connect", fn);
      return parent;
    }
    if (String(name)[0] !== "/") name = "/" + name;
    let nsp = this._nsps.get(name);
    if (!nsp) {
      for (const [regex, parent] of this.parentNamespacesFromRegExp) {
        if (regex.test(name)) {
          debug("attaching namespace %s to parent namespace %s", name, regex);
          const child = parent.createChild(name);
          if (fn) child.on("connect", fn);
          return child;
        }
      }
      debug("initializing namespace %s", name);
      nsp = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, name);
      this._nsps.set(name, nsp);
      if (name !== "/") this.sockets._emitNewNamespace(nsp);
    }
    if (fn) nsp.on("connect", fn);
    return nsp;
  }

  /**
   * Disconnects every socket ("server shutting down"), closes the adapters and the engine, then the
   * HTTP server if there is one. As with the reference server, clients get "transport close" (not
   * "io server disconnect") and reconnect: a shutdown is usually a restart.
   */
  async close(fn?: (err?: Error) => void): Promise<void> {
    await Promise.allSettled(
      [...this._nsps.values()].map(async (nsp) => {
        for (const socket of nsp.sockets.values()) socket._onClose("server shutting down");
        await nsp.adapter.close();
      }),
    );
    // before the HTTP server closes: polling clients take their close packet on it
    const engine = this.engine as EngineLike & Partial<Pick<EngineServer, "closeGracefully">>;
    if (engine.closeGracefully) await engine.closeGracefully();
    else engine.close();
    const httpServer = this.httpServer;
    if (!httpServer) {
      fn?.();
      return;
    }
    await new Promise<void>((resolve) => {
      httpServer.close((err) => {
        if (err) debug("http server was not running");
        fn?.(err);
        resolve();
      });
    });
  }

  use(fn: ConnectionMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, options?: MiddlewareOptions): this {
    this.sockets.use(fn, options);
    return this;
  }

  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.except(room);
  }

  /** Sends an event to every socket of the main namespace. */
  override emit<Ev extends EventNames<RemoveAcknowledgements<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<RemoveAcknowledgements<EmitEvents>, Ev>
  ): boolean {
    return this.sockets.emit(ev, ...args);
  }

  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    return this.sockets.emitWithAck(ev, ...args);
  }

  send(...args: EventParams<EmitEvents, any>): this {
    this.sockets.send(...args);
    return this;
  }

  write(...args: EventParams<EmitEvents, any>): this {
    this.sockets.write(...args);
    return this;
  }

  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<ServerSideEvents, Ev>): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.compress(compress);
  }

  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.volatile;
  }

  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.local;
  }

  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.timeout(timeout);
  }

  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  socketsJoin(room: Room | Room[]): void {
    this.sockets.socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): void {
    this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }
}

// `io.on("connection")`, `io.listeners(...)` and the other emitter methods act on the main namespace.
for (const key of Object.getOwnPropertyNames(EventEmitter.prototype)) {
  if (key === "constructor" || key === "emit") continue;
  const method = (EventEmitter.prototype as unknown as Record<string, unknown>)[key];
  if (typeof method !== "function") continue;
  Object.defineProperty(Server.prototype, key, {
    configurable: true,
    writable: true,
    value: function (this: Server, ...args: unknown[]) {
      return (this.sockets as unknown as Record<string, (...a: unknown[]) => unknown>)[key]!(...args);
    },
  });
}
