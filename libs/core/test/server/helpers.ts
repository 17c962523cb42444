import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type LimitOptions, type Namespace, type ServerOptions } from "@sockline/core";
import { io as connect, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from "socket.io-client";

export const TRANSPORTS: Record<string, ("polling" | "websocket")[]> = {
  websocket: ["websocket"],
  polling: ["polling"],
  "polling+upgrade": ["polling", "websocket"],
};

/** A Socket.IO server on 127.0.0.1:0 plus the clients opened against it; `close()` ends them all. */
export class Fixture {
  readonly http: HttpServer;
  readonly io: Server;
  private readonly clients: ClientSocket[] = [];

  constructor(opts: Partial<ServerOptions> = {}) {
    this.http = createServer();
    this.io = new Server(this.http, opts);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  client(nsp = "/", opts: Partial<ManagerOptions & SocketOptions> = {}): ClientSocket {
    const socket = connect(this.url + nsp, { forceNew: true, reconnection: false, ...opts });
    this.clients.push(socket);
    return socket;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    await this.io.close();
  }
}

export function once<T = unknown>(emitter: { once(ev: string, fn: (...args: any[]) => void): unknown }, ev: string): Promise<T> {
  return new Promise((resolve) => emitter.once(ev, (arg: T) => resolve(arg)));
}

export function onceAll(emitter: { once(ev: string, fn: (...args: any[]) => void): unknown }, ev: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(ev, (...args: unknown[]) => resolve(args)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The few internals some tests look at: members the core's classes share among themselves, marked
 * `@internal` and so absent from the published types.
 */
export interface Internals {
  /** Server: the limits with their defaults filled in. */
  _limits: Required<LimitOptions>;
  /** Namespace: sockets whose CONNECT is still in the middlewares. */
  _preConnectSockets: Map<string, unknown>;
}

export function internals(target: Server | Namespace): Internals {
  return target as unknown as Internals;
}
