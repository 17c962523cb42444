// The hostile and broken clients of the soak test. Each function plays one client's whole life
// against a server at `url` (path /socket.io/): it does its damage, holds on for a while, and then
// closes everything it opened, so the soak can start and end them in waves. None of them waits for
// the server to behave: whatever the server does (refuse, close, ignore), the client ends in
// bounded time.
import { request as httpRequest } from "node:http";
import { connect, type Socket as NetSocket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import WebSocket from "ws";

export type HostileKind =
  | "pipelinedUpgrade"
  | "slowConsumerWs"
  | "slowConsumerPolling"
  | "attachmentHoarder"
  | "namespaceSpammer"
  | "vanishMidPoll"
  | "packetFlood";

export const HOSTILE_KINDS: readonly HostileKind[] = [
  "pipelinedUpgrade",
  "slowConsumerWs",
  "slowConsumerPolling",
  "attachmentHoarder",
  "namespaceSpammer",
  "vanishMidPoll",
  "packetFlood",
];

const ENGINE = "/socket.io/?EIO=4";

/** Runs the client of `kind` against `url` to its end. Never rejects: a hostile client's failure is the point. */
export async function runHostile(kind: HostileKind, url: string): Promise<void> {
  try {
    await HOSTILE[kind](url);
  } catch {
    // the server refused or cut the connection: that is one of the expected outcomes
  }
}

const HOSTILE: Record<HostileKind, (url: string) => Promise<void>> = {
  /** An ordinary request with a websocket upgrade pipelined behind it in one TCP write (issue 11, item 1). */
  async pipelinedUpgrade(url) {
    const socket = await tcp(url);
    socket.write(
      "GET /x HTTP/1.1\r\nHost: a\r\n\r\n" +
        `GET ${ENGINE}&transport=websocket HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n` +
        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    socket.resume();
    await closedOrAfter(socket, 1_500);
  },

  /** Joins "/" and the flood room over websocket, then stops reading while the server broadcasts (item 4). */
  async slowConsumerWs(url) {
    const ws = await openWs(url);
    await joinMainNamespace(ws);
    ws.send('42["flood"]');
    await delay(200);
    (ws as unknown as { _socket: NetSocket })._socket.pause();
    await delay(12_000);
    ws.terminate();
  },

  /** Joins "/" and the flood room over polling, then never polls again while the server broadcasts. */
  async slowConsumerPolling(url) {
    const sid = await pollingSession(url);
    await post(url, sid, "40");
    await request(url, `${ENGINE}&transport=polling&sid=${sid}`, "GET"); // the CONNECT answer
    await post(url, sid, '42["flood"]');
    await delay(6_000);
  },

  /** Announces ten binary attachments, sends nine big ones, and holds (item 8). */
  async attachmentHoarder(url) {
    const ws = await openWs(url);
    ws.send("40");
    await delay(100);
    const placeholders = Array.from({ length: 10 }, (_, num) => ({ _placeholder: true, num }));
    ws.send(`4510-${JSON.stringify(["upload", ...placeholders])}`);
    const chunk = Buffer.alloc(450_000, 1);
    for (let i = 0; i < 9 && ws.readyState === WebSocket.OPEN; i++) ws.send(chunk);
    await closedOrAfterWs(ws, 8_000);
    ws.terminate();
  },

  /**
   * Connects to more names of a dynamic namespace than a parent may hold (1,000), on one connection, then leaves
   * (item 7). The per-connection bound (maxNamespacesPerConnection, 100) now stops it before the parent's bound.
   */
  async namespaceSpammer(url) {
    const ws = await openWs(url);
    const base = Math.floor(Math.random() * 1e9);
    for (let i = 0; i < 1_200 && ws.readyState === WebSocket.OPEN; i++) ws.send(`40/dynamic-${base + i},`);
    await closedOrAfterWs(ws, 1_500);
    ws.terminate();
  },

  /** Opens a polling session, starts a long-poll and vanishes in the middle of it (item 2). */
  async vanishMidPoll(url) {
    const sid = await pollingSession(url);
    await post(url, sid, "40");
    const { hostname, port } = new URL(url);
    const req = httpRequest({ host: hostname, port, path: `${ENGINE}&transport=polling&sid=${sid}`, agent: false });
    req.on("error", () => {});
    req.end();
    await delay(150);
    req.destroy();
  },

  /** One POST body carrying thousands of packets (item 6). */
  async packetFlood(url) {
    const sid = await pollingSession(url);
    await post(url, sid, "40");
    await post(url, sid, Array.from({ length: 10_000 }, (_, i) => `42["echo",${i}]`).join("\x1e"));
  },
};

function tcp(url: string): Promise<NetSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once("error", reject);
    socket.on("error", () => {});
  });
}

function closedOrAfter(socket: NetSocket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}${ENGINE}&transport=websocket`);
    ws.on("error", () => {});
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      reject(new Error(`upgrade refused with ${res.statusCode}`));
    });
    ws.once("close", () => reject(new Error("closed before open")));
  });
}

/** Sends CONNECT for "/" and waits for its answer (an event sent before it would break the protocol). */
function joinMainNamespace(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      if (!data.toString().startsWith("40")) return;
      ws.off("message", onMessage);
      resolve();
    };
    ws.on("message", onMessage);
    ws.once("close", () => reject(new Error("closed before joining")));
    ws.send("40");
  });
}

function closedOrAfterWs(ws: WebSocket, ms: number): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** One request on its own connection, whatever its status; resolves with the body. */
function request(url: string, path: string, method: string, body?: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, path, method, agent: false, headers: body === undefined ? {} : { "content-type": "text/plain" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve(Buffer.concat(chunks).toString()));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function pollingSession(url: string): Promise<string> {
  const body = await request(url, `${ENGINE}&transport=polling`, "GET");
  if (!body.startsWith("0")) throw new Error(`no open packet: ${body.slice(0, 80)}`);
  return (JSON.parse(body.slice(1)) as { sid: string }).sid;
}

function post(url: string, sid: string, body: string): Promise<string> {
  return request(url, `${ENGINE}&transport=polling&sid=${sid}`, "POST", body);
}
