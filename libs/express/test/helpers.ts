import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { Server as HttpServer } from "node:http";
import { io as connectClient, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from "socket.io-client";
import WebSocket from "ws";

/** Starts `server` on an ephemeral port of 127.0.0.1 and returns its base URL. */
export async function listen(server: HttpServer): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Closes `server`; resolves once every connection has ended. */
export function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** Creates an official socket.io-client that never reconnects (tests close what they open). */
export function client(url: string, options: ClientOptions = {}): ClientSocket {
  return connectClient(url, { reconnection: false, forceNew: true, ...options });
}

export function waitFor<T = unknown>(emitter: { once(event: string, listener: (...args: any[]) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (value: T) => resolve(value)));
}

/** Resolves on `connect`, rejects with the `connect_error`. */
export function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(err));
  });
}

/** Resolves with the `connect_error` (rejects if the socket connects instead). */
export function connectError(socket: ClientSocket): Promise<Error> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("expected the connection to be refused")));
    socket.once("connect_error", (err) => resolve(err));
  });
}

/**
 * Opens a raw websocket on the engine path and reports how the server answered the upgrade:
 * `101` and its headers when accepted (the socket is closed right away), or the refusal.
 */
export function rawUpgrade(url: string, path = "/socket.io/", query = "", headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const wsUrl = `${url.replace(/^http/, "ws")}${path}?EIO=4&transport=websocket${query}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers });
    ws.once("upgrade", (res) => {
      ws.terminate();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      ws.terminate();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    ws.once("error", reject);
  });
}

export async function rawUpgradeStatus(url: string, path = "/socket.io/", query = ""): Promise<number> {
  return (await rawUpgrade(url, path, query)).status;
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request on its own connection, closed afterwards (`fetch` would keep a pooled
 * keep-alive connection open past the test).
 */
export function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Engine.IO polling handshake by hand; returns the response and the decoded open packet. */
export async function pollingHandshake(url: string, path = "/socket.io/", query = "", headers: Record<string, string> = {}) {
  const response = await http(`${url}${path}?EIO=4&transport=polling${query}`, { headers });
  const body = response.body;
  return { response, body, open: body.startsWith("0") ? (JSON.parse(body.slice(1)) as { sid: string }) : undefined };
}

/** `app.listen()` on an ephemeral port of 127.0.0.1, the way users start an Express app. */
export async function appListen(app: { listen(port: number, host: string, callback: () => void): HttpServer }): Promise<{ server: HttpServer; url: string }> {
  let server!: HttpServer;
  await new Promise<void>((resolve) => {
    server = app.listen(0, "127.0.0.1", resolve);
  });
  return { server, url: await listen(server) };
}

/**
 * Builds a gateway class with `@sockline/gateway`'s own decorators (applied by hand, since the
 * package is loaded dynamically): `echo` on namespace `namespace` acks `{ echoed, tag }`.
 */
export function echoGatewayClass(gatewayModule: Record<string, unknown>, namespace: string) {
  const { Gateway, On } = gatewayModule as {
    Gateway: (namespace: string) => ClassDecorator;
    On: (event: string) => MethodDecorator;
  };
  class EchoGateway {
    constructor(readonly tag: string = "made by new") {}
    echo(payload: unknown): { echoed: unknown; tag: string } {
      return { echoed: payload, tag: this.tag };
    }
  }
  On("echo")(EchoGateway.prototype, "echo", Object.getOwnPropertyDescriptor(EchoGateway.prototype, "echo")!);
  Gateway(namespace)(EchoGateway);
  return EchoGateway;
}

/** Sends a websocket upgrade request for the engine path on a raw TCP connection, then resets it. */
export async function upgradeThenReset(url: string, path = "/socket.io/"): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(
    `GET ${path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  socket.resetAndDestroy();
  await new Promise<void>((resolve) => socket.once("close", () => resolve()));
}

/**
 * Runs a full garbage collection (exposing `gc` for this process if it is not already), after
 * the current job has ended: a WeakRef keeps its target alive until then.
 */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}
