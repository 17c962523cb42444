// Small HTTP helpers for the framework plugins' tests: one request on its own connection, and raw
// Engine.IO handshakes / websocket upgrades for checking how the engine path answers.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket as NetSocket } from "node:net";
import WebSocket from "ws";
import { parseOpenPacket, type OpenPacket } from "./engine-io.js";
import { SAFETY_NET_MS, withTimeout } from "./events.js";

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request on its own connection, closed afterwards (`fetch` would keep a pooled keep-alive
 * connection open past the test).
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

/** Engine.IO polling handshake by hand; returns the response and the decoded open packet (when it is one). */
export async function pollingHandshake(
  url: string,
  path = "/socket.io/",
  query = "",
  headers: Record<string, string> = {},
): Promise<{ response: HttpResult; body: string; open: OpenPacket | undefined }> {
  const response = await http(`${url}${path}?EIO=4&transport=polling${query}`, { headers });
  return { response, body: response.body, open: parseOpenPacket(response.body) };
}

/**
 * Opens a raw websocket on the engine path and reports how the server answered the upgrade: `101`
 * and its headers when accepted (the socket is closed right away), or the refusal.
 */
export function rawUpgrade(
  url: string,
  path = "/socket.io/",
  query = "",
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
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

/** The websocket upgrade request for the engine path, as raw HTTP/1.1 text. */
export function rawUpgradeRequest(path = "/socket.io/", query = ""): string {
  return (
    `GET ${path}?EIO=4&transport=websocket${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
  );
}

/** A raw TCP connection that keeps every byte it receives, for checking what a server answered and in which order. */
export interface RawConnection {
  readonly socket: NetSocket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves once the received text matches `pattern` (bounded by the safety net). */
  receive(pattern: RegExp, what?: string): Promise<RegExpMatchArray>;
  /** Resolves once the server has closed the connection (or it was destroyed). */
  readonly closed: Promise<void>;
}

/**
 * Connects to `url` and writes `requests` in ONE write, e.g. an ordinary request with a websocket
 * upgrade pipelined behind it (`rawUpgradeRequest()`).
 */
export async function pipelined(url: string, requests: readonly string[]): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = "";
  const waiters = new Set<() => void>();
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
    for (const waiter of [...waiters]) waiter();
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(requests.join(""));
  return {
    socket,
    closed,
    received: () => text,
    receive(pattern, what = String(pattern)) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match === null) return;
          stop();
          resolve(match);
        };
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(text.slice(0, 2000))}`));
        }, SAFETY_NET_MS);
        const stop = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * A hostile Socket.IO client: opens a websocket session on the engine path, joins the main
 * namespace, then sends an EVENT whose payload is not an array (a protocol violation). Resolves
 * with the engine session id once the server has closed the connection.
 */
export async function violateProtocol(url: string, path = "/socket.io/"): Promise<string> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}${path}?EIO=4&transport=websocket`);
  const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
  ws.on("error", () => {});
  let sid: string | undefined;
  const joined = new Promise<void>((resolve) => {
    ws.on("message", (data) => {
      const frame = String(data);
      const open = parseOpenPacket(frame);
      if (open) {
        sid = open.sid;
        ws.send("40");
      } else if (frame.startsWith("40")) {
        resolve();
      }
    });
  });
  await withTimeout(joined, `the session on ${path} to join "/"`);
  ws.send('42{"not":"an array"}');
  await withTimeout(closed, "the server to close the hostile connection");
  return sid!;
}
