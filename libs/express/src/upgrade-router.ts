import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import { createPendingUpgrade } from "./pending-upgrade.js";

const debug = createDebug("sockline:express:upgrade");

/** One Sockline mount, as seen by the upgrade listener of a server that runs its app. */
export interface UpgradeRoute {
  /** Whether the raw upgrade URL belongs to this mount's engine. */
  matches(url: string | undefined): boolean;
  /** Runs the request through the app's middleware stack (down to the Sockline mount). */
  dispatch(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * One `upgrade` listener per HTTP server, shared by every Sockline mount served by it, so that
 * two mounts on different paths never both claim an upgrade, and upgrades for other paths are
 * left to whoever else listens (e.g. a `ws` server of the app).
 */
class UpgradeRouter {
  private readonly routes = new Set<UpgradeRoute>();
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => this.route(req, socket, head);

  constructor(private readonly server: HttpServer) {}

  add(route: UpgradeRoute): void {
    if (this.routes.size === 0) this.server.on("upgrade", this.onUpgrade);
    this.routes.add(route);
  }

  has(route: UpgradeRoute): boolean {
    return this.routes.has(route);
  }

  remove(route: UpgradeRoute): void {
    this.routes.delete(route);
    if (this.routes.size === 0) this.server.off("upgrade", this.onUpgrade);
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = [...this.routes].find((candidate) => candidate.matches(req.url));
    if (route === undefined) {
      // Not ours. If nobody else listens, do what Node does without any listener: drop it.
      if (this.server.listenerCount("upgrade") === 1) socket.destroy();
      return;
    }
    // Until the engine owns the socket, a reset from the peer must not become an uncaught error.
    socket.on("error", (err) => {
      debug("upgrade socket error on %s: %s", req.url, err.message);
      socket.destroy();
    });
    const pending = createPendingUpgrade(req, socket, head);
    try {
      route.dispatch(req, pending.response);
    } catch (err) {
      debug("upgrade on %s could not go through the middleware stack: %O", req.url, err);
      socket.destroy();
    }
  }
}

const routers = new WeakMap<HttpServer, UpgradeRouter>();

/** Routes the upgrades of `server` that match `route`; returns false if it already did. */
export function routeUpgrades(server: HttpServer, route: UpgradeRoute): boolean {
  let router = routers.get(server);
  if (router === undefined) {
    router = new UpgradeRouter(server);
    routers.set(server, router);
  }
  if (router.has(route)) return false;
  router.add(route);
  return true;
}

export function stopRoutingUpgrades(server: HttpServer, route: UpgradeRoute): void {
  routers.get(server)?.remove(route);
}
