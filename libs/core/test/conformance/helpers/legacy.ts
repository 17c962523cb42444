// Engine.IO 3 / Socket.IO protocol 4 peers for the `allowEIO3` tests: socket.io-client 2.x (the real
// client, installed as `socket.io-client-v2`) and a hand-driven protocol 3 polling session with its
// own payload codec, written from the protocol's description (not from either server's code).
import { request as httpRequest } from "node:http";
import ioV2 from "socket.io-client-v2";
import { withTimeout } from "@sockline/e2e/support";

export type LegacySocket = ioV2.LegacySocket;

/** How socket.io-client 2.x reaches the server (as `TransportMode` for 4.x). */
export type LegacyMode = "polling" | "websocket" | "upgrade";

export const LEGACY_MODES: readonly LegacyMode[] = ["polling", "websocket", "upgrade"];

const TRANSPORTS: Record<LegacyMode, string[]> = { polling: ["polling"], websocket: ["websocket"], upgrade: ["polling", "websocket"] };

/** socket.io-client 2.x sockets opened by a test, closed together. */
export class LegacyClients {
  private readonly sockets = new Set<LegacySocket>();

  /** A new socket.io-client 2.x socket (its own Manager); reconnection off unless asked for. */
  open(url: string, mode: LegacyMode, opts: Record<string, unknown> = {}): LegacySocket {
    const socket = ioV2(url, { forceNew: true, reconnection: false, transports: TRANSPORTS[mode], ...opts });
    this.sockets.add(socket);
    return socket;
  }

  /** Another namespace over the same connection as `socket`. */
  namespace(socket: LegacySocket, nsp: string): LegacySocket {
    const other = socket.io.socket(nsp);
    this.sockets.add(other);
    return other;
  }

  closeAll(): void {
    for (const socket of this.sockets) {
      socket.close();
      socket.io.close();
    }
    this.sockets.clear();
  }
}

/** Resolves on "connect"; rejects with what the client reported on "connect_error" or "error" (a refused namespace). */
export function legacyConnected(socket: LegacySocket, what = "the socket.io-client 2.x socket to connect"): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      const done = (err?: unknown) => {
        socket.off("connect", onConnect);
        socket.off("connect_error", onError);
        socket.off("error", onError);
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(`refused: ${JSON.stringify(err)}`));
      };
      const onConnect = () => done();
      const onError = (err: unknown) => done(err ?? new Error("error"));
      socket.on("connect", onConnect);
      socket.on("connect_error", onError);
      socket.on("error", onError);
    }),
    what,
  );
}

/** The payload of the next `event` the socket gets. */
export function legacyEvent<T extends unknown[] = unknown[]>(
  socket: LegacySocket,
  event: string,
  what = `"${event}" on the 2.x client`,
): Promise<T> {
  return withTimeout(new Promise<T>((resolve) => socket.once(event, (...args: unknown[]) => resolve(args as T))), what);
}

/** A protocol 3 text payload: `<length>:<packet>` each, the length in UTF-16 code units. */
export function v3Payload(...packets: string[]): string {
  return packets.map((p) => `${p.length}:${p}`).join("");
}

/** The payload a JSONP answer (`___eio[7]("...");`) passes to its callback; other text as it is. */
export function unwrapJsonp(text: string): string {
  const match = /^___eio\[\d+\]\((".*")\);$/s.exec(text);
  return match ? (JSON.parse(match[1]!) as string) : text;
}

/** The packets of a protocol 3 text payload. */
export function parseV3Payload(payload: string): string[] {
  const packets: string[] = [];
  let rest = payload;
  while (rest.length > 0) {
    const match = /^(\d+):/.exec(rest);
    if (!match) throw new Error(`not a protocol 3 payload: ${JSON.stringify(payload)}`);
    const length = Number(match[1]);
    const start = match[0].length;
    packets.push(rest.slice(start, start + length));
    rest = rest.slice(start + length);
  }
  return packets;
}

/**
 * A protocol 3 binary payload: per packet a byte 0 (text) or 1 (binary), the length one byte per
 * decimal digit, 255, then the packet (text as UTF-8; binary as the type byte and the data).
 */
export function v3BinaryPayload(...packets: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  for (const packet of packets) {
    const bytes = typeof packet === "string" ? Buffer.from(packet) : packet;
    const digits = [...String(bytes.length)].map(Number);
    parts.push(Buffer.from([typeof packet === "string" ? 0 : 1, ...digits, 255]), bytes);
  }
  return Buffer.concat(parts);
}

/** The packets of a protocol 3 binary payload: text packets as strings, binary ones as Buffers (type byte included). */
export function parseV3BinaryPayload(payload: Buffer): (string | Buffer)[] {
  const packets: (string | Buffer)[] = [];
  let at = 0;
  while (at < payload.length) {
    const binary = payload[at] === 1;
    let end = at + 1;
    while (payload[end] !== 255) end++;
    const length = Number([...payload.subarray(at + 1, end)].join(""));
    const bytes = payload.subarray(end + 1, end + 1 + length);
    packets.push(binary ? Buffer.from(bytes) : bytes.toString());
    at = end + 1 + length;
  }
  return packets;
}

export interface RawAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** One HTTP request on its own connection (closed afterwards), the body as bytes. */
export function rawRequest(url: string, method = "GET", body?: string | Buffer, contentType?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = contentType ? { "Content-Type": contentType } : {};
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A protocol 3 long-polling session driven by hand. */
export class LegacyPollingSession {
  private constructor(
    readonly base: string,
    readonly sid: string,
    /** The open packet's payload. */
    readonly open: { sid: string; upgrades: string[]; pingInterval: number; pingTimeout: number },
    /** The packets of the handshake answer after the open packet. */
    readonly rest: string[],
  ) {}

  /** Handshakes with `EIO=3` (`query` adds e.g. `&b64=1`) on `path`. */
  static async open(serverUrl: string, query = "&b64=1", path = "/socket.io/"): Promise<LegacyPollingSession> {
    const base = `${serverUrl}${path}?EIO=3&transport=polling${query}`;
    const answer = await rawRequest(base);
    const text = unwrapJsonp(answer.body.toString());
    if (answer.status !== 200) throw new Error(`protocol 3 handshake failed: ${answer.status} ${text.slice(0, 200)}`);
    const [open, ...rest] = parseV3Payload(text);
    if (!open?.startsWith("0")) throw new Error(`no open packet in ${JSON.stringify(text)}`);
    const payload = JSON.parse(open.slice(1)) as LegacyPollingSession["open"];
    return new LegacyPollingSession(base, payload.sid, payload, rest);
  }

  get url(): string {
    return `${this.base}&sid=${encodeURIComponent(this.sid)}`;
  }

  /** POSTs a body (a text payload, or a binary one with `application/octet-stream`). */
  async post(
    body: string | Buffer,
    contentType = typeof body === "string" ? "text/plain;charset=UTF-8" : "application/octet-stream",
  ): Promise<RawAnswer> {
    return rawRequest(this.url, "POST", body, contentType);
  }

  /** One GET (it waits until the server has something to send: call it only when something is due). */
  poll(): Promise<RawAnswer> {
    return withTimeout(rawRequest(this.url), "a protocol 3 poll");
  }

  /** Polls until a text packet satisfying `wanted` arrives; returns every packet received up to it. */
  async pollUntil(wanted: (packet: string) => boolean): Promise<string[]> {
    const seen: string[] = [...this.rest];
    while (!seen.some(wanted)) {
      const answer = await this.poll();
      if (answer.status !== 200) throw new Error(`poll answered ${answer.status}: ${answer.body.toString()}`);
      seen.push(...parseV3Payload(answer.body.toString()));
    }
    return seen;
  }
}
