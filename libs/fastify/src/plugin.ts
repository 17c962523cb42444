import type { Server as HttpServer } from "node:http";
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from "fastify";
import fastifyPlugin from "fastify-plugin";
import { Server, type ServerOptions } from "@sockline/core";
import {
  matchesEnginePath,
  mountGatewaysOnDemand,
  registerMetricsOnDemand,
  resolveEnginePath,
  routeUpgrades,
  type EnginePath,
  type GatewayEntry,
  type GatewayFactory,
  type MetricsRouteOptions,
  type UpgradeProblem,
} from "@sockline/core/integration";
import { registerEngineRoutes } from "./engine-routes.js";
import { forwardEngineEventsToLogger, logDiagnosticsToFastify } from "./logging.js";

const PLUGIN_NAME = "@sockline/fastify";

type AnyServer = Server<any, any, any, any>;

/** Options of `app.register(socketioPlugin, options)`: the core server options plus these. */
export interface SocklineFastifyOptions extends Partial<ServerOptions> {
  /**
   * An existing server to mount instead of creating one (then give the server options to its
   * constructor, not here). Its `path()` is where it is served; registered under a prefix, that
   * path must start with the prefix. Lets code that needs the server before Fastify loads its
   * plugins (e.g. NestJS, whose `create()` is synchronous) create it first and register it later.
   */
  io?: AnyServer;
  /**
   * Name of the Fastify decorator that holds the server (default `io`). Only needed to register
   * two servers in the same encapsulation context; in separate contexts each gets its own `io`.
   */
  decorator?: string;
  /**
   * Milliseconds a websocket upgrade may spend in your hooks before it is answered
   * `408 Request Timeout` and closed (a hook that never finishes must not hold the socket
   * forever). Default 10000; 0 disables the bound.
   */
  upgradeRoutingTimeout?: number;
  /**
   * Most websocket upgrades held in your hooks at once; past it an upgrade is answered
   * `503 Service Unavailable` (with `Retry-After`) at once, and a diagnostic is logged. Default 256;
   * 0 or Infinity disables the bound.
   */
  maxPendingUpgrades?: number;
  /**
   * Whether the server's diagnostics (every limit reached and protocol violation, see
   * `io.diagnostics`) are logged with `app.log.warn`, at most 10 lines per 10 s plus a count of
   * the rest. Default true; false leaves them to your own `io.diagnostics` listeners.
   */
  logDiagnostics?: boolean;
  /** Gateways to wire once the server exists (needs the optional peer `@sockline/gateway`). */
  gateways?: readonly GatewayEntry[];
  /** Builds gateway instances from their classes (e.g. from your DI container); default `new`. */
  gatewayFactory?: GatewayFactory;
  /**
   * Serves the server's Prometheus metrics (`io.metrics()` through prom-client, an optional peer)
   * on `route`, e.g. `{ route: "/metrics" }`, as a Fastify route: your hooks (auth) apply. The
   * other fields are those of `registerMetrics` (`@sockline/core/prometheus`): registry (default
   * prom-client's default one), prefix, handler timings.
   */
  metrics?: MetricsRouteOptions;
}

/** Options Fastify's `register()` itself reads, and also hands to the plugin. */
interface FastifyRegistrationOptions {
  prefix?: unknown;
  logLevel?: unknown;
  logSerializers?: unknown;
}

async function socklineFastify(fastify: FastifyInstance, options: SocklineFastifyOptions): Promise<void> {
  const {
    decorator = "io",
    gateways,
    gatewayFactory,
    metrics,
    io: existing,
    upgradeRoutingTimeout,
    maxPendingUpgrades,
    logDiagnostics: logsDiagnostics = true,
    // Fastify's own registration options reach the plugin too: they are not the server's
    prefix: _prefix,
    logLevel: _logLevel,
    logSerializers: _logSerializers,
    ...serverOptions
  } = options as SocklineFastifyOptions & FastifyRegistrationOptions;
  if (fastify.hasDecorator(decorator)) {
    throw new Error(
      `${PLUGIN_NAME}: this Fastify context already has an "${decorator}" decorator; register the second server in its own encapsulated context or give it another "decorator" name`,
    );
  }

  const { io, path } =
    existing === undefined ? createServer(fastify.prefix, serverOptions) : adoptServer(fastify.prefix, existing, serverOptions);
  const log = fastify.log.child({ plugin: PLUGIN_NAME, path: path.full });
  const flushConnectionErrors = forwardEngineEventsToLogger(io, log);
  const stopLoggingDiagnostics = logsDiagnostics ? logDiagnosticsToFastify(io, log) : undefined;
  fastify.decorate(decorator, io);

  await registerEngineRoutes(fastify, io, path);
  const stopRoutingUpgrades = routeUpgrades(fastify.server as HttpServer, {
    matches: (url) => matchesEnginePath(url, path),
    dispatch: (req, res) => fastify.routing(req, res),
    upgradeTimeout: upgradeRoutingTimeout,
    maxPendingUpgrades,
    diagnostics: io.diagnostics,
    report: (problem) => logUpgradeProblem(log, problem),
  });

  // Before the HTTP server stops accepting: open websockets and pending long-polls would keep
  // `server.close()` waiting, so end them (sockets first, so handlers see a disconnect).
  fastify.addHook("preClose", async () => {
    stopRoutingUpgrades();
    disconnectEverySocket(io);
    io.engine.close();
    log.debug("socket.io connections closed");
  });
  // After the HTTP server has closed: release the engine and the adapters.
  fastify.addHook("onClose", (_instance, done) => {
    void io.close(() => {
      stopLoggingDiagnostics?.();
      flushConnectionErrors();
      done();
    });
  });

  if (metrics !== undefined) await serveMetrics(fastify, io, metrics);
  if (gateways !== undefined && gateways.length > 0) {
    await mountGatewaysOnDemand(io, gateways, { load: loadGatewayPackage, factory: gatewayFactory, requiredBy: PLUGIN_NAME });
  }
}

/** The `metrics` option: registers the server's metrics and serves the registry on `route`. */
async function serveMetrics(fastify: FastifyInstance, io: AnyServer, { route, ...options }: MetricsRouteOptions): Promise<void> {
  const registered = await registerMetricsOnDemand(io, options, PLUGIN_NAME);
  fastify.get(route, async (_request, reply) => {
    reply.header("Content-Type", registered.registry.contentType);
    return registered.registry.metrics();
  });
  fastify.addHook("onClose", async () => registered.stop());
}

/** `@sockline/gateway`, an optional peer: loaded only when the `gateways` option has some. */
const loadGatewayPackage = () => import("@sockline/gateway");

/** A new server, served on `path` under the context's prefix (which is what `io.path()` then reports). */
function createServer(prefix: string, serverOptions: Partial<ServerOptions>): { io: AnyServer; path: EnginePath } {
  const path = resolveEnginePath({ prefix, path: serverOptions.path, addTrailingSlash: serverOptions.addTrailingSlash });
  return { io: new Server({ ...serverOptions, path: path.full }), path };
}

/** An existing server, served where its `path()` says, which must lie under the context's prefix. */
function adoptServer(prefix: string, io: AnyServer, serverOptions: Partial<ServerOptions>): { io: AnyServer; path: EnginePath } {
  if (!(io instanceof Server)) throw new TypeError(`${PLUGIN_NAME}: the "io" option must be a Server of @sockline/core`);
  const stray = Object.keys(serverOptions).filter((key) => serverOptions[key as keyof ServerOptions] !== undefined);
  if (stray.length > 0) {
    throw new Error(`${PLUGIN_NAME}: with the "io" option, give the server options (${stray.join(", ")}) to new Server() instead`);
  }
  const base = prefix.replace(/\/+$/, "");
  const full = io.path();
  if (base !== "" && !full.startsWith(base + "/")) {
    throw new Error(
      `${PLUGIN_NAME}: the server's path "${full}" is outside the prefix "${prefix}" of the Fastify context it is registered in`,
    );
  }
  const path = resolveEnginePath({ prefix: base, path: full.slice(base.length), addTrailingSlash: io.opts.addTrailingSlash });
  return { io, path };
}

function logUpgradeProblem(log: FastifyBaseLogger, { kind, req, error }: UpgradeProblem): void {
  if (kind === "socket-error") log.debug({ err: error, url: req.url }, "socket.io upgrade socket error");
  // a timeout is a limit: logged at warn as a diagnostic (upgradeRoutingTimeout)
  else if (kind === "timeout") log.debug({ url: req.url }, "socket.io upgrade not handled in time by the hooks: answered 408");
  else log.error({ err: error, url: req.url }, "socket.io upgrade could not be routed through Fastify");
}

function disconnectEverySocket(io: AnyServer): void {
  // `io.disconnectSockets()` only covers the main namespace; walk all of them (dynamic ones too).
  // `local`: this app's sockets only. Without it a multi-node adapter (Redis, cluster) would also
  // disconnect every other node's sockets, and would do it here only after publishing to them
  // (asynchronously): the engine below would close first, the clients seeing "transport close".
  for (const namespace of io._nsps.values()) namespace.local.disconnectSockets(true);
}

/** The Fastify plugin: `app.register(socketioPlugin, options)`, then use `app.io`. */
export const socketioPlugin: FastifyPluginAsync<SocklineFastifyOptions> = fastifyPlugin(socklineFastify, {
  name: PLUGIN_NAME,
  fastify: "5.x",
});

/**
 * The same plugin under its former name.
 * @deprecated Use `socketioPlugin` (or the default export): one name for the plugin everywhere.
 */
export const socklinePlugin: FastifyPluginAsync<SocklineFastifyOptions> = socketioPlugin;
