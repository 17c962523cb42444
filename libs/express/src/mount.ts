import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Application, NextFunction, Request, RequestHandler, Response } from "express";
import createDebug from "debug";
import { Server, type DefaultEventsMap, type ServerOptions } from "@sockline/core";
import { matchesEnginePath, resolveEnginePath, type EnginePath } from "./engine-path.js";
import { mountGatewaysFromPackage, type GatewayEntry, type GatewayFactory } from "./gateways.js";
import { forwardHandshakeHeaders, rememberHandshakeHeaders } from "./handshake-headers.js";
import { pendingUpgradeOf } from "./pending-upgrade.js";
import { watchServersRunning, type ServerWatcher } from "./server-discovery.js";
import { routeUpgrades, stopRoutingUpgrades, type UpgradeRoute } from "./upgrade-router.js";

const debug = createDebug("sockline:express");

type EventsMap = { [event: string]: any };
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
}

/**
 * Ties one Sockline server to one Express app: a middleware at the position of the mount in the
 * app's stack, and the upgrade listener of every HTTP server that runs the app. Upgrades are sent
 * through the whole app (from its root), so they meet the same middleware as polling requests.
 */
class SocklineMount implements ServerWatcher, UpgradeRoute {
  readonly middleware: RequestHandler = (req, res, next) => this.handle(req, res, next);

  constructor(
    private readonly app: Application,
    private readonly io: AnyServer,
    private readonly path: EnginePath,
    private readonly ready: Promise<void> | undefined,
  ) {}

  /** The app HTTP servers run: the root of the app the mount was made on. */
  get requestListener(): Application {
    let root = this.app;
    while ((root as Application & { parent?: Application }).parent !== undefined) root = (root as Application & { parent: Application }).parent;
    return root;
  }

  onServer(server: HttpServer): void {
    if (!routeUpgrades(server, this)) return;
    debug("routing upgrades on %s%s of an HTTP server", this.app.path(), this.path.relative);
    server.once("close", () => stopRoutingUpgrades(server, this));
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
    const upgrade = pendingUpgradeOf(req);
    if (upgrade !== undefined) {
      // Another upgrade listener may have sent the same request through already: serve it once.
      if (!upgrade.take()) return;
      rememberHandshakeHeaders(req, upgrade.collectHeaders());
      this.io.handleUpgrade(req, upgrade.socket, upgrade.head);
      return;
    }
    if (bodyAlreadyRead(req)) {
      return next(
        new Error(
          `@sockline/express: the body of ${req.method} ${req.originalUrl} was already read by a body parser mounted before sockline(); mount the body parsers after sockline() or on your own routes only`,
        ),
      );
    }
    this.io.handleRequest(req, res);
  }
}

function bodyAlreadyRead(req: Request): boolean {
  // Only polling POSTs carry a body. body-parser marks what it parsed with `_body`; any other
  // reader leaves the stream ended.
  if (req.method !== "POST") return false;
  return (req as Request & { _body?: boolean })._body === true || req.readableEnded;
}

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
  const { server, gateways, gatewayFactory, ...serverOptions } = options;
  const path = resolveEnginePath(serverOptions.path, serverOptions.addTrailingSlash);
  const io = new Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>({ ...serverOptions, path: path.relative });

  let gatewaysMounted: Promise<void> | undefined;
  if (gateways !== undefined && gateways.length > 0) {
    gatewaysMounted = mountGatewaysFromPackage(io, gateways, gatewayFactory);
    // Reported through socklineReady() and to every engine request (via next(err)).
    gatewaysMounted.catch((err: unknown) => debug("mounting gateways failed: %O", err));
  }

  forwardHandshakeHeaders(io);
  const mount = new SocklineMount(app, io, path, gatewaysMounted);
  app.use(mount.middleware);
  mounts.set(io, { mount, ready: gatewaysMounted ?? Promise.resolve() });
  watchServersRunning(mount);
  if (server !== undefined) mount.onServer(server as HttpServer);
  return io;
}

/** Resolves once the gateways given to `sockline()` are wired; rejects with why they are not. */
export function socklineReady(io: AnyServer): Promise<void> {
  const entry = mounts.get(io);
  if (entry === undefined) return Promise.reject(new Error("@sockline/express: socklineReady() got a server that sockline() did not create"));
  return entry.ready;
}

/** Routes the websocket upgrades of `server` to the mount of `io` (for servers not created from the app). */
export function attachUpgrades(io: AnyServer, server: HttpServer | HttpsServer): void {
  const entry = mounts.get(io);
  if (entry === undefined) throw new Error("@sockline/express: attachUpgrades() got a server that sockline() did not create");
  entry.mount.onServer(server as HttpServer);
}
