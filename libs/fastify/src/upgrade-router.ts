import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import { createPendingUpgrade } from "./pending-upgrade.js";

/** One mounted engine, as seen by the upgrade router. */
export interface UpgradeRoute {
  /** Whether the upgrade request's URL belongs to this engine. */
  matches(url: string | undefined): boolean;
  /** Runs the raw request through Fastify's router (hooks, then the engine route). */
  dispatch(req: IncomingMessage, res: import("node:http").ServerResponse): void;
  readonly log: FastifyBaseLogger;
}

/**
 * One `upgrade` listener per HTTP server, shared by every Sockline registration on that server
 * (two registrations with different paths must not both claim the same upgrade).
 */
class UpgradeRouter {
  private readonly routes = new Set<UpgradeRoute>();
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => this.route(req, socket, head);

  constructor(private readonly server: HttpServer) {}

  add(route: UpgradeRoute): void {
    if (this.routes.size === 0) this.server.on("upgrade", this.onUpgrade);
    this.routes.add(route);
  }

  remove(route: UpgradeRoute): void {
    this.routes.delete(route);
    if (this.routes.size === 0) this.server.off("upgrade", this.onUpgrade);
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = [...this.routes].find((candidate) => candidate.matches(req.url));
    if (route === undefined) {
      // Someone else (e.g. @fastify/websocket) may own this path; if nobody does, do what Node
      // does for an upgrade nobody listens to: drop the connection.
      if (this.server.listenerCount("upgrade") === 1) socket.destroy();
      return;
    }
    // Until the engine owns the socket, a reset from the peer must not become an uncaught error.
    socket.on("error", (err) => {
      route.log.debug({ err, url: req.url }, "socket.io upgrade socket error");
      socket.destroy();
    });
    const pending = createPendingUpgrade(req, socket, head);
    try {
      route.dispatch(req, pending.response);
    } catch (err) {
      route.log.error({ err, url: req.url }, "socket.io upgrade could not be routed through Fastify");
      socket.destroy();
    }
  }
}

const routers = new WeakMap<HttpServer, UpgradeRouter>();

/** Starts routing upgrades that match `route` on `server`; returns the function that stops it. */
export function routeUpgrades(server: HttpServer, route: UpgradeRoute): () => void {
  let router = routers.get(server);
  if (router === undefined) {
    router = new UpgradeRouter(server);
    routers.set(server, router);
  }
  router.add(route);
  const owner = router;
  return () => owner.remove(route);
}
