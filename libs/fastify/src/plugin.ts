import type { Server as HttpServer } from "node:http";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import fastifyPlugin from "fastify-plugin";
import { Server, type ServerOptions } from "@sockline/core";
import { matchesEnginePath, resolveEnginePath } from "./engine-path.js";
import { registerEngineRoutes } from "./engine-routes.js";
import { forwardHandshakeHeaders } from "./handshake-headers.js";
import { mountGatewaysFromPackage, type GatewayEntry, type GatewayFactory } from "./gateways.js";
import { forwardEngineEventsToLogger } from "./logging.js";
import { routeUpgrades } from "./upgrade-router.js";

/** Options of `app.register(socklinePlugin, options)`: the core server options plus these. */
export interface SocklineFastifyOptions extends Partial<ServerOptions> {
  /**
   * Name of the Fastify decorator that holds the server (default `io`). Only needed to register
   * two servers in the same encapsulation context; in separate contexts each gets its own `io`.
   */
  decorator?: string;
  /** Gateways to wire once the server exists (needs the optional peer `@sockline/gateway`). */
  gateways?: readonly GatewayEntry[];
  /** Builds gateway instances from their classes (e.g. from your DI container); default `new`. */
  gatewayFactory?: GatewayFactory;
}

type AnyServer = Server<any, any, any, any>;

async function socklineFastify(fastify: FastifyInstance, options: SocklineFastifyOptions): Promise<void> {
  const { decorator = "io", gateways, gatewayFactory, ...serverOptions } = options;
  if (fastify.hasDecorator(decorator)) {
    throw new Error(
      `@sockline/fastify: this Fastify context already has an "${decorator}" decorator; register the second server in its own encapsulated context or give it another "decorator" name`,
    );
  }

  const path = resolveEnginePath(fastify.prefix, serverOptions.path, serverOptions.addTrailingSlash);
  const io: AnyServer = new Server({ ...serverOptions, path: path.full });
  const log = fastify.log.child({ plugin: "@sockline/fastify", path: path.full });
  forwardEngineEventsToLogger(io, log);
  forwardHandshakeHeaders(io);
  fastify.decorate(decorator, io);

  await registerEngineRoutes(fastify, io, path);
  const stopRoutingUpgrades = routeUpgrades(fastify.server as HttpServer, {
    matches: (url) => matchesEnginePath(url, path),
    dispatch: (req, res) => fastify.routing(req, res),
    log,
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
    void io.close(() => done());
  });

  if (gateways !== undefined && gateways.length > 0) {
    await mountGatewaysFromPackage(io, gateways, gatewayFactory);
  }
}

function disconnectEverySocket(io: AnyServer): void {
  // `io.disconnectSockets()` only covers the main namespace; walk all of them (dynamic ones too).
  for (const namespace of io._nsps.values()) namespace.disconnectSockets(true);
}

/** The Fastify plugin: `app.register(socklinePlugin, options)`, then use `app.io`. */
export const socklinePlugin: FastifyPluginAsync<SocklineFastifyOptions> = fastifyPlugin(socklineFastify, {
  name: "@sockline/fastify",
  fastify: "5.x",
});
