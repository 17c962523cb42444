/**
 * One `upgrade` listener per HTTP server, shared by every framework mount served by it: two
 * mounts on different paths never both claim an upgrade, and upgrades for other paths are left to
 * whoever else listens (e.g. a `ws` server of the app).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import type { Diagnostics } from "../engine/diagnostics.js";
import { refuseUpgradeOnSocket } from "../engine/upgrade-response.js";
import { beginPendingUpgrade, DEFAULT_UPGRADE_TIMEOUT, PendingUpgrade } from "./pending-upgrades.js";

const debug = createDebug("sockline:integration:upgrade");

/**
 * Default bound on the upgrades one mount holds in the framework's middleware and hooks at once.
 * Each holds a socket (a file descriptor) for up to the routing timeout; past the bound, upgrades
 * are answered 503 at once rather than exhausting the process's descriptors.
 */
export const DEFAULT_MAX_PENDING_UPGRADES = 256;

/** Seconds a client refused for `maxPendingUpgrades` is told to wait (held upgrades settle fast or time out). */
const RETRY_AFTER_SECONDS = "1";

/** Something that went wrong with one upgrade before the engine took it (for the mount's logs). */
export interface UpgradeProblem {
  readonly kind: "socket-error" | "dispatch-error" | "timeout";
  readonly req: IncomingMessage;
  readonly error?: unknown;
}

/** One mount, as seen by the upgrade listener of a server that runs its app. */
export interface UpgradeRoute {
  /** Whether the raw upgrade URL belongs to this mount's engine. */
  matches(url: string | undefined): boolean;
  /**
   * Runs the request through the framework (middleware, hooks, router) with the stand-in response;
   * the engine's route then calls `handOverUpgrade(io, req)`.
   */
  dispatch(req: IncomingMessage, res: ServerResponse): void;
  /** Milliseconds the request may spend in the framework before a 408; default 10 s; 0: no bound. */
  readonly upgradeTimeout?: number;
  /**
   * Most upgrades of this mount held in the framework at once; past it, an upgrade is answered
   * `503 Service Unavailable` (with `Retry-After`) at once. Default `DEFAULT_MAX_PENDING_UPGRADES` (256);
   * 0 or Infinity: no bound.
   */
  readonly maxPendingUpgrades?: number;
  /** Where the upgrades refused on a limit (timeout, `maxPendingUpgrades`) are reported, e.g. `io.diagnostics`. */
  readonly diagnostics?: Diagnostics;
  /** Told about peers resetting, dispatch failures and timeouts; default: the debug log. */
  report?(problem: UpgradeProblem): void;
}

class UpgradeRouter {
  private readonly routes = new Set<UpgradeRoute>();
  /** Upgrades of each route on their way through its framework. */
  private readonly held = new Map<UpgradeRoute, number>();
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
    if (!this.routes.delete(route)) return;
    this.held.delete(route);
    if (this.routes.size === 0) this.server.off("upgrade", this.onUpgrade);
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let route: UpgradeRoute | undefined;
    for (const candidate of this.routes) {
      if (candidate.matches(req.url)) {
        route = candidate;
        break;
      }
    }
    if (route === undefined) {
      // Not ours. If nobody else listens, do what Node does without any `upgrade` listener.
      if (this.server.listenerCount("upgrade") === 1) this.serveAsOrdinaryRequest(req, socket, head);
      return;
    }
    // gone already (another listener destroyed it): nothing to route, nothing to count
    if (socket.destroyed) return;
    const held = this.held.get(route) ?? 0;
    const maxHeld = route.maxPendingUpgrades ?? DEFAULT_MAX_PENDING_UPGRADES;
    if (maxHeld > 0 && held >= maxHeld) return this.refuseOverflow(route, req, socket, held, maxHeld);
    this.held.set(route, held + 1);

    const report = (problem: UpgradeProblem): void => {
      if (route.report) route.report(problem);
      else debug('upgrade of "%s": %s %O', req.url, problem.kind, problem.error);
    };
    const timeout = route.upgradeTimeout ?? DEFAULT_UPGRADE_TIMEOUT;
    const upgrade = beginPendingUpgrade(req, socket, head, {
      timeout,
      onTimeout: () => {
        route.diagnostics?.report({
          kind: "limit",
          name: "upgradeRoutingTimeout",
          message: `upgrade of ${req.url} still in the framework's middleware/hooks after ${timeout} ms`,
          action: "upgrade refused (408)",
          remoteAddress: req.socket.remoteAddress,
          limit: timeout,
        });
        report({ kind: "timeout", req });
      },
      onSocketError: (error) => report({ kind: "socket-error", req, error }),
    });
    upgrade.whenSettled(() => this.release(route));
    try {
      route.dispatch(req, upgrade.response);
    } catch (error) {
      report({ kind: "dispatch-error", req, error });
      socket.destroy();
    }
  }

  /** The bound on the time the app may take to answer an upgrade no route takes: the shortest of its routes'. */
  private shortestUpgradeTimeout(): number {
    let shortest = Infinity;
    for (const route of this.routes) {
      const timeout = route.upgradeTimeout ?? DEFAULT_UPGRADE_TIMEOUT;
      if (timeout > 0 && timeout < shortest) shortest = timeout;
    }
    return shortest;
  }

  /**
   * Node serves an upgrade request that no `upgrade` listener takes as an ordinary request: the
   * app answers it (typically its 404), with its hooks and logs. The socket is already detached
   * from Node's HTTP parser, so the answer goes through a stand-in response, which closes the
   * connection after it and bounds the time the app may take (408, like any pending upgrade).
   */
  private serveAsOrdinaryRequest(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const standIn = new PendingUpgrade(req, socket, head, (error) => debug('upgrade of "%s" (no route): %s', req.url, error.message));
    standIn.expireAfter(this.shortestUpgradeTimeout());
    try {
      this.server.emit("request", req, standIn.response);
    } catch (error) {
      debug('upgrade of "%s" (no route) failed in the request listeners: %O', req.url, error);
      socket.destroy();
    }
  }

  private release(route: UpgradeRoute): void {
    const held = this.held.get(route);
    // a route removed meanwhile has no count any more
    if (held !== undefined) this.held.set(route, held - 1);
  }

  private refuseOverflow(route: UpgradeRoute, req: IncomingMessage, socket: Duplex, held: number, maxHeld: number): void {
    debug('upgrade of "%s" refused: %d upgrades already held (maxPendingUpgrades)', req.url, held);
    route.diagnostics?.report({
      kind: "limit",
      name: "maxPendingUpgrades",
      message: `${held} upgrades are already in the framework's middleware/hooks`,
      action: "upgrade refused (503)",
      remoteAddress: req.socket.remoteAddress,
      value: held,
      limit: maxHeld,
    });
    refuseUpgradeOnSocket(socket, 503, "Service Unavailable", "too many websocket upgrades in progress, retry later", {
      "Retry-After": RETRY_AFTER_SECONDS,
    });
  }
}

const routers = new WeakMap<HttpServer, UpgradeRouter>();

/**
 * Routes the upgrades of `server` that match `route` through it; returns the function that stops
 * it. Routing the same route on the same server twice is harmless (one listener, one route).
 */
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

/** Whether `routeUpgrades(server, route)` is in effect. */
export function isRoutingUpgrades(server: HttpServer, route: UpgradeRoute): boolean {
  return routers.get(server)?.has(route) ?? false;
}
