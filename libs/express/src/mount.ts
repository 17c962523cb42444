import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Application, NextFunction, Request, RequestHandler, Response } from "express";
import createDebug from "debug";
import { Server, type DefaultEventsMap, type ServerOptions } from "@sockline/core";
import {
  handOverUpgrade,
  isRoutingUpgrades,
  isUpgradeRequest,
  logDiagnostics,
  matchesEnginePath,
  mountGatewaysOnDemand,
  registerMetricsOnDemand,
  resolveEnginePath,
  routeUpgrades,
  type EnginePath,
  type GatewayEntry,
  type GatewayFactory,
  type DiagnosticWarn,
  type MetricsRouteOptions,
  type UpgradeProblem,
  type UpgradeRoute,
} from "@sockline/core/integration";
import { watchServersRunning, type ServerWatcher } from "./server-discovery.js";
import { bypassExpressWhenNothingPrecedes } from "./polling-fast-lane.js";

const PACKAGE_NAME = "@sockline/express";
const debug = createDebug("sockline:express");
const debugUpgrade = createDebug("sockline:express:upgrade");

type EventsMap = { [event: string]: any };

/** `@sockline/gateway`, an optional peer: loaded only when the `gateways` option has some. */
const loadGatewayPackage = () => import("@sockline/gateway");
type AnyServer = Server<any, any, any, any>;

/** Options of `sockline(app, options)`: the core server options plus these. */
export interface SocklineExpressOptions extends Partial<ServerOptions> {
  /**
   * An HTTP(S) server to take upgrades from right away. Not needed with `app.listen()` or
   * `http.createServer(app)`: those servers are found on their first connection.
   */
  server?: HttpServer | HttpsServer;
  /** Gateways to wire once the server exists (needs the optional peer `@sockline/gateway`). */
  gateways?: readonly GatewayEntry[];
  /** Builds gateway instances from their classes (e.g. from your DI container); default `new`. */
  gatewayFactory?: GatewayFactory;
  /**
   * Milliseconds a websocket upgrade may spend in the middleware before it is answered
   * `408 Request Timeout` and closed (a middleware that never calls `next()` nor answers must not
   * hold the socket forever). Default 10000; 0 disables the bound.
   */
  upgradeRoutingTimeout?: number;
  /**
   * Most websocket upgrades held in the middleware at once; past it an upgrade is answered
   * `503 Service Unavailable` (with `Retry-After`) at once. Default 256; 0 or Infinity: no bound.
   */
  maxPendingUpgrades?: number;
  /**
   * Where the server's diagnostics go (every limit reached and protocol violation, see
   * `io.diagnostics`): `logger.warn(message, diagnostic)`, at most 10 lines per 10 s plus a count
   * of the rest. Default `console` (Express has no logger of its own); `false` to log none.
   * With pino: `{ warn: (message, diagnostic) => log.warn({ diagnostic }, message) }`.
   */
  logger?: DiagnosticsLogger | false;
  /**
   * Serves the server's Prometheus metrics (`io.metrics()` through prom-client, an optional peer)
   * on `route`, e.g. `{ route: "/metrics" }`, as a route of the app at the mount's position (the
   * middleware before it applies: put your auth there). The other fields are those of
   * `registerMetrics` (`@sockline/core/prometheus`): registry (default prom-client's default one),
   * prefix, handler timings.
   */
  metrics?: MetricsRouteOptions;
}

/** What the `logger` option needs: console, winston and most loggers have it as is. */
export interface DiagnosticsLogger {
  warn(message: string, diagnostic: Parameters<DiagnosticWarn>[0]): void;
}

/**
 * Ties one Sockline server to one Express app: a middleware at the position of the mount in the
 * app's stack, and the upgrade listener of every HTTP server that runs the app. Upgrades are sent
 * through the whole app (from its root), so they meet the same middleware as polling requests.
 */
class SocklineMount implements ServerWatcher, UpgradeRoute {
  readonly middleware: RequestHandler = (req, res, next) => this.handle(req, res, next);

  /** Whether the gateways (if any) are wired: until then engine requests wait for them in `handle()`. */
  private gatewaysReady: boolean;

  constructor(
    readonly app: Application,
    private readonly io: AnyServer,
    private readonly path: EnginePath,
    private readonly ready: Promise<void> | undefined,
    readonly upgradeTimeout: number | undefined,
    readonly maxPendingUpgrades: number | undefined,
  ) {
    this.gatewaysReady = ready === undefined;
    ready?.then(
      () => (this.gatewaysReady = true),
      () => {},
    );
  }

  /**
   * Whether `req`, which Express is about to dispatch from the root of the app, may skip Express:
   * a request of an open polling session (never an upgrade nor a handshake, which becomes
   * `socket.request`) when nothing precedes the mount in the app, so no middleware would have run.
   */
  mayBypassExpress(req: IncomingMessage): boolean {
    const url = req.url;
    return (
      this.gatewaysReady &&
      url !== undefined &&
      SESSION_ID_PARAMETER.test(url) &&
      matchesEnginePath(url, this.path) &&
      !isUpgradeRequest(req)
    );
  }

  /** Serves a request that skipped Express (see `mayBypassExpress`), as the mount would have. */
  serveBypassingExpress(req: IncomingMessage, res: ServerResponse): void {
    this.io.handleRequest(req, res);
  }

  /** The app HTTP servers run: the root of the app the mount was made on. */
  get requestListener(): Application {
    let root = this.app;
    while ((root as Application & { parent?: Application }).parent !== undefined)
      root = (root as Application & { parent: Application }).parent;
    return root;
  }

  onServer(server: HttpServer): void {
    if (isRoutingUpgrades(server, this)) return;
    const stop = routeUpgrades(server, this);
    debug("routing upgrades on %s%s of an HTTP server", this.app.path(), this.path.full);
    server.once("close", stop);
  }

  /** Upgrades refused on a limit (timeout, maxPendingUpgrades) are reported with the server's. */
  get diagnostics() {
    return this.io.diagnostics;
  }

  report({ kind, req, error }: UpgradeProblem): void {
    debugUpgrade('upgrade of "%s": %s %O', req.url, kind, error);
  }

  matches(url: string | undefined): boolean {
    // The upgrade listener sees the raw URL; a sub-app mounted at /chat serves /chat/socket.io/.
    return matchesEnginePath(url, this.path, this.app.path());
  }

  dispatch(req: IncomingMessage, res: ServerResponse): void {
    (this.requestListener as unknown as (req: IncomingMessage, res: ServerResponse) => void)(req, res);
  }

  private handle(req: Request, res: Response, next: NextFunction): void {
    // A request served by a server not seen yet (e.g. a custom request listener wrapping the
    // app): route that server's upgrades from now on.
    const server = (req.socket as { server?: HttpServer }).server;
    if (server !== undefined && typeof server.on === "function") this.onServer(server);

    if (!matchesEnginePath(req.url, this.path)) return next();
    if (this.ready === undefined) return this.serve(req, res, next);
    this.ready.then(() => this.serve(req, res, next), next);
  }

  private serve(req: Request, res: Response, next: NextFunction): void {
    // An upgrade (sent through the app by the upgrade listener) goes to the engine with the
    // headers the middleware set on the way (session cookie, helmet, CORS) in its 101 answer.
    if (handOverUpgrade(this.io, req)) return releaseRoutingState(req);
    if (bodyAlreadyRead(req)) {
      return next(
        new Error(
          `${PACKAGE_NAME}: the body of ${req.method} ${req.originalUrl} was already read by a body parser mounted before sockline(); mount the body parsers after sockline() or on your own routes only`,
        ),
      );
    }
    this.io.handleRequest(req, res);
  }
}

/**
 * An upgraded request stays alive as `socket.request` for the whole connection. What Express
 * attached to it for the journey through the app (the stand-in response as `req.res`, the
 * router's `next` closure, which holds the response and the whole dispatch, parseurl's cached
 * URL objects) is of no use once the socket is the engine's: let it go. What middleware set
 * (`req.session`, `req.user`...) stays. Assigned rather than deleted: a delete would turn every
 * upgraded request into a slower, bigger dictionary-mode object.
 */
function releaseRoutingState(req: Request): void {
  const routed = req as Request & { res?: unknown; next?: unknown; _parsedUrl?: unknown; _parsedOriginalUrl?: unknown };
  routed.res = undefined;
  routed.next = undefined;
  if (routed._parsedUrl !== undefined) routed._parsedUrl = undefined;
  if (routed._parsedOriginalUrl !== undefined) routed._parsedOriginalUrl = undefined;
}

function bodyAlreadyRead(req: Request): boolean {
  // Only polling POSTs carry a body. body-parser marks what it parsed with `_body`; any other
  // reader leaves the stream ended.
  if (req.method !== "POST") return false;
  return (req as Request & { _body?: boolean })._body === true || req.readableEnded;
}

/** A query with a session id: a request of an open session (a handshake has none). */
const SESSION_ID_PARAMETER = /[?&]sid=/;

const mounts = new WeakMap<AnyServer, { mount: SocklineMount; ready: Promise<void> }>();

/**
 * Mounts a Sockline (Socket.IO) server into an Express app, at this point of its middleware stack:
 * middleware added before this call runs for polling requests and for websocket upgrades.
 *
 * ```ts
 * const app = express();
 * app.use(session(...));
 * const io = sockline(app);
 * app.listen(3000);
 * ```
 */
export function sockline<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
>(app: Application, options: SocklineExpressOptions = {}): Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  const {
    server,
    gateways,
    gatewayFactory,
    upgradeRoutingTimeout,
    maxPendingUpgrades,
    logger = console,
    metrics,
    ...serverOptions
  } = options;
  const path = resolveEnginePath({ path: serverOptions.path, addTrailingSlash: serverOptions.addTrailingSlash });
  const io = new Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>({ ...serverOptions, path: path.full });

  let gatewaysMounted: Promise<void> | undefined;
  if (gateways !== undefined && gateways.length > 0) {
    gatewaysMounted = mountGatewaysOnDemand(io, gateways, { load: loadGatewayPackage, factory: gatewayFactory, requiredBy: PACKAGE_NAME });
    // Reported through socklineReady() and to every engine request (via next(err)).
    gatewaysMounted.catch((err: unknown) => debug("mounting gateways failed: %O", err));
  }

  const mount = new SocklineMount(app, io, path, gatewaysMounted, upgradeRoutingTimeout, maxPendingUpgrades);
  if (logger !== false) logDiagnosticsUntilClosed(io, logger);
  if (metrics !== undefined) serveMetrics(app, io, metrics);
  app.use(mount.middleware);
  bypassExpressWhenNothingPrecedes(app, mount);
  mounts.set(io, { mount, ready: gatewaysMounted ?? Promise.resolve() });
  watchServersRunning(mount);
  if (server !== undefined) mount.onServer(server as HttpServer);
  return io;
}

/**
 * Logs the diagnostics of `io` through `logger` (rate-limited) until `io.close()`: Express has no
 * close lifecycle of its own, so the mount's part ends with the server's.
 */
function logDiagnosticsUntilClosed(io: AnyServer, logger: DiagnosticsLogger): void {
  const stop = logDiagnostics(io.diagnostics, (diagnostic, message) => logger.warn(message, diagnostic));
  const close = io.close;
  io.close = function closeAndStopLogging(this: AnyServer, ...args: Parameters<AnyServer["close"]>) {
    stop();
    return close.apply(this, args);
  };
}

/**
 * The `metrics` option: registers the server's metrics (prom-client loads in the background; the
 * route waits for it) and serves the registry on `route` until `io.close()`.
 */
function serveMetrics(app: Application, io: AnyServer, { route, ...options }: MetricsRouteOptions): void {
  const registered = registerMetricsOnDemand(io, options, PACKAGE_NAME);
  registered.catch((err: unknown) => debug("metrics: %O", err));
  app.get(route, (_req, res, next) => {
    registered
      .then(async ({ registry }) => {
        const text = await registry.metrics();
        res.setHeader("Content-Type", registry.contentType);
        res.end(text);
      })
      .catch(next);
  });
  const close = io.close;
  io.close = function closeAndStopMetrics(this: AnyServer, ...args: Parameters<AnyServer["close"]>) {
    registered.then(
      (metrics) => metrics.stop(),
      () => {},
    );
    return close.apply(this, args);
  };
}

/** Resolves once the gateways given to `sockline()` are wired; rejects with why they are not. */
export function socklineReady(io: AnyServer): Promise<void> {
  const entry = mounts.get(io);
  if (entry === undefined) return Promise.reject(new Error(`${PACKAGE_NAME}: socklineReady() got a server that sockline() did not create`));
  return entry.ready;
}

/** Routes the websocket upgrades of `server` to the mount of `io` (for servers not created from the app). */
export function attachUpgrades(io: AnyServer, server: HttpServer | HttpsServer): void {
  const entry = mounts.get(io);
  if (entry === undefined) throw new Error(`${PACKAGE_NAME}: attachUpgrades() got a server that sockline() did not create`);
  entry.mount.onServer(server as HttpServer);
}
