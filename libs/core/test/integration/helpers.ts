// The smallest framework the integration helpers can be exercised with, and raw upgrade clients.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { connect as netConnect, type AddressInfo } from "node:net";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import WebSocket from "ws";
import { Server } from "@sockline/core";
import {
  handOverUpgrade,
  matchesEnginePath,
  resolveEnginePath,
  routeUpgrades,
  type UpgradeProblem,
  type UpgradeRoute,
} from "@sockline/core/integration";

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The smallest "framework": a middleware chain ending in the engine route, used for plain requests
 * (request listener) and for upgrades (through routeUpgrades), the way the plugins use the module.
 */
export class MiniFramework {
  readonly io = new Server({ path: "/rt" });
  readonly http: HttpServer;
  readonly problems: UpgradeProblem[] = [];
  readonly route: UpgradeRoute;
  readonly stopRouting: () => void;
  middlewares: Middleware[] = [];
  /** Headers the engine route adds on its own (like a Fastify reply's headers). */
  routeHeaders: Record<string, string> = {};

  /** `route` adds to (or overrides) the route's settings, e.g. `maxPendingUpgrades`, `diagnostics`. */
  constructor(upgradeTimeout?: number, route: Partial<UpgradeRoute> = {}) {
    const path = resolveEnginePath({ path: "/rt" });
    this.http = createServer((req, res) => this.dispatch(req, res));
    this.route = {
      matches: (url) => matchesEnginePath(url, path),
      dispatch: (req, res) => this.dispatch(req, res),
      upgradeTimeout,
      report: (problem) => this.problems.push(problem),
      ...route,
    };
    this.stopRouting = routeUpgrades(this.http, this.route);
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    let index = 0;
    const next = (): void => {
      const middleware = this.middlewares[index++];
      if (middleware) return middleware(req, res, next);
      if (handOverUpgrade(this.io, req, this.routeHeaders)) return;
      if (req.url?.startsWith("/rt/")) return this.io.handleRequest(req, res);
      res.writeHead(404).end("not found");
    };
    next();
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.stopRouting();
    await this.io.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** How the server answered a raw websocket upgrade: 101 and its headers, or the refusal and its body. */
export function rawUpgrade(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}${path}`, { headers });
    ws.once("upgrade", (res) => {
      ws.terminate();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
    });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    ws.once("error", reject);
  });
}

/** Sends a raw upgrade request and resolves once the server closes the connection, with what it wrote. */
export function rawUpgradeUntilClose(url: string, path: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(port), "127.0.0.1", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
    });
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}

export function client(url: string): ClientSocket {
  return connectClient(url, { path: "/rt", transports: ["websocket"], reconnection: false, forceNew: true });
}

export function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
}

export const WS_HANDSHAKE = "/rt/?EIO=4&transport=websocket";
