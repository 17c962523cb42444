/** Shared helpers of the engine tests: a real HTTP server on 127.0.0.1:0 with the engine attached. */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Socket as ClientSocket, type SocketOptions } from "engine.io-client";
import { WebSocket } from "ws";
import { Server, type ServerOptions, type AttachOptions } from "@sockline/core/engine";
import { parseOpenPacket, type OpenPacket } from "@sockline/e2e/support";

export interface TestServer {
  engine: Server;
  http: HttpServer;
  port: number;
  /** Base URL of the engine path, e.g. http://127.0.0.1:1234/engine.io/ */
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  opts: Partial<ServerOptions> = {},
  attach: AttachOptions = {},
  setup?: (engine: Server) => void,
): Promise<TestServer> {
  const http = createServer((_req, res) => {
    res.writeHead(404);
    res.end("not found");
  });
  const engine = new Server(opts);
  setup?.(engine);
  engine.attach(http, attach);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const path = (attach.path ?? opts.path ?? "/engine.io").replace(/\/$/, "") + "/";
  return {
    engine,
    http,
    port,
    url: `http://127.0.0.1:${port}${path}`,
    async close() {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export function connectClient(server: TestServer, opts: Partial<SocketOptions> = {}): ClientSocket {
  return new ClientSocket(`http://127.0.0.1:${server.port}`, { path: "/engine.io", ...opts });
}

export async function openClient(server: TestServer, opts: Partial<SocketOptions> = {}): Promise<ClientSocket> {
  const client = connectClient(server, opts);
  await new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
  });
  return client;
}

export type { OpenPacket };

/** Polling handshake with fetch; returns the open packet and the rest of the payload. */
export async function pollingHandshake(
  server: TestServer,
  extraQuery = "",
  init: RequestInit = {},
): Promise<{ open: OpenPacket; rest: string[]; res: Response }> {
  const res = await fetch(`${server.url}?EIO=4&transport=polling${extraQuery}`, init);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`handshake answered ${res.status}: ${body}`);
  const [first, ...rest] = body.split("\x1e");
  const open = first === undefined ? undefined : parseOpenPacket(first);
  if (!open) throw new Error(`not an open packet: ${body}`);
  return { open, rest, res };
}

export function poll(server: TestServer, sid: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}?EIO=4&transport=polling&sid=${sid}`, init);
}

export function post(server: TestServer, sid: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}?EIO=4&transport=polling&sid=${sid}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "text/plain;charset=UTF-8", ...headers },
  });
}

const inbox = new WeakMap<WebSocket, { queue: (string | Buffer)[]; waiter: ((m: string | Buffer | Error) => void) | null }>();

/** Opens a raw WebSocket on the engine path; resolves once open. Messages are queued from the start (see nextMessage). */
export async function rawWebSocket(
  server: TestServer,
  query = "EIO=4&transport=websocket",
  opts: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?${query}`, opts);
  track(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
  });
  return ws;
}

function track(ws: WebSocket) {
  const box = { queue: [] as (string | Buffer)[], waiter: null as ((m: string | Buffer | Error) => void) | null };
  inbox.set(ws, box);
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    const message = isBinary ? data : data.toString();
    if (box.waiter) {
      const w = box.waiter;
      box.waiter = null;
      w(message);
    } else box.queue.push(message);
  });
  ws.on("close", () => {
    const w = box.waiter;
    box.waiter = null;
    w?.(new Error("websocket closed before a message"));
  });
  ws.on("error", () => {});
}

/** Next text or binary message of a raw WebSocket (queued since it was opened). */
export function nextMessage(ws: WebSocket): Promise<string | Buffer> {
  if (!inbox.has(ws)) track(ws);
  const box = inbox.get(ws)!;
  if (box.queue.length > 0) return Promise.resolve(box.queue.shift()!);
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error("websocket closed before a message"));
  return new Promise((resolve, reject) => {
    box.waiter = (m) => (m instanceof Error ? reject(m) : resolve(m));
  });
}

export function closed(ws: WebSocket): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
  return new Promise((resolve) => ws.once("close", (code: number) => resolve(code)));
}

/** Resolves with the next session the engine opens. */
export function nextConnection(engine: Server): Promise<import("@sockline/core/engine").Socket> {
  return new Promise((resolve) => engine.once("connection", resolve));
}

/** Proves the server still serves a fresh session end to end (echo over a real engine.io-client). */
export async function assertServerHealthy(server: TestServer, transport: "polling" | "websocket" = "websocket"): Promise<void> {
  const sessions = nextConnection(server.engine);
  const client = await openClient(server, { transports: [transport] });
  try {
    const session = await sessions;
    const echoed = new Promise<string>((resolve) => client.once("message", (d: unknown) => resolve(String(d))));
    session.once("message", (data) => session.send(`echo:${String(data)}`));
    client.send("hello");
    const got = await echoed;
    if (got !== "echo:hello") throw new Error(`unexpected echo ${got}`);
  } finally {
    client.close();
  }
}
