// A hand-driven Engine.IO 4 / Socket.IO 5 peer over a raw websocket, for protocol-level checks that
// the official client would never produce (malformed or hostile frames).
//
// Frames are written as the protocol text: an Engine.IO MESSAGE is "4" followed by the Socket.IO
// packet, e.g. `raw.sendText('40{"token":"x"}')` is a CONNECT to "/" with auth. Binary frames are
// sent as they are (Engine.IO over websocket carries attachments as plain binary frames).
import assert from "node:assert/strict";
import WebSocket from "ws";
import createDebug from "debug";
import { once, parseOpenPacket, type OpenPacket } from "@sockline/e2e/support";
import type { Harness, ServerSocket } from "./harness.js";

export type { OpenPacket };

const debug = createDebug("sockline:conformance:raw");

const SAFETY_NET_MS = 15_000;

export interface RawFrame {
  /** Text frames as received; binary frames as a Buffer. */
  data: string | Buffer;
}

export class RawClient {
  /** Frames received and not yet taken by `next()`, excluding the Engine.IO open packet and pings. */
  private readonly inbox: (string | Buffer)[] = [];
  private readonly waiters: ((frame: string | Buffer) => void)[] = [];
  /** Resolves with the close code once the websocket is closed, whichever side closed it. */
  readonly closed: Promise<number>;
  private isClosed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly open: OpenPacket,
    /** When false, Engine.IO pings go unanswered (to provoke a server-side "ping timeout"). */
    private readonly answerPings: boolean,
  ) {
    this.closed = new Promise((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve(1006);
      ws.on("close", (code) => {
        this.isClosed = true;
        resolve(code);
      });
    });
    ws.on("message", (data, isBinary) => this.receive(isBinary ? (data as Buffer) : data.toString()));
  }

  /** Opens a websocket-only Engine.IO session and waits for the open packet. */
  static async connect(
    baseUrl: string,
    { query = "", answerPings = true, ws: options = {} }: { query?: string; answerPings?: boolean; ws?: WebSocket.ClientOptions } = {},
  ): Promise<RawClient> {
    const url = `${baseUrl.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket${query}`;
    const ws = new WebSocket(url, options);
    ws.on("error", (err) => debug("raw websocket error on %s: %s", url, err.message));
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Engine.IO open packet from ${url}`)), SAFETY_NET_MS);
      ws.once("message", (data) => {
        clearTimeout(timer);
        resolve(data.toString());
      });
      ws.once("close", (code) => {
        clearTimeout(timer);
        reject(new Error(`websocket to ${url} closed (${code}) before the open packet`));
      });
    });
    const open = parseOpenPacket(first);
    if (!open) throw new Error(`expected an Engine.IO open packet, got ${first}`);
    return new RawClient(ws, open, answerPings);
  }

  /** Opens a session and CONNECTs to `nsp`, returning the client and the CONNECT response payload. */
  static async connectNamespace(baseUrl: string, nsp = "/", auth?: object): Promise<{ raw: RawClient; response: string }> {
    const raw = await RawClient.connect(baseUrl);
    raw.sendPacket(`0${nsp === "/" ? "" : nsp + ","}${auth ? JSON.stringify(auth) : ""}`);
    const response = await raw.nextText();
    return { raw, response };
  }

  private receive(frame: string | Buffer): void {
    if (frame === "2") {
      // Engine.IO ping: answer so heartbeats never end a long test.
      if (this.answerPings && !this.isClosed) this.ws.send("3");
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(frame);
    else this.inbox.push(frame);
  }

  /** Sends a Socket.IO packet wrapped in an Engine.IO MESSAGE. */
  sendPacket(socketIoPacket: string): void {
    this.sendText("4" + socketIoPacket);
  }

  /** Sends a raw Engine.IO text frame. */
  sendText(frame: string): void {
    this.ws.send(frame);
  }

  /** Sends a binary frame (an attachment of a binary packet). */
  sendBinary(data: Buffer): void {
    this.ws.send(data, { binary: true });
  }

  /** The next frame received (not a ping), or rejects if the connection closes first. */
  next(what = "a frame"): Promise<string | Buffer> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(deliver), 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, SAFETY_NET_MS);
      const deliver = (frame: string | Buffer) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.waiters.push(deliver);
      void this.closed.then((code) => {
        const index = this.waiters.indexOf(deliver);
        if (index === -1) return;
        this.waiters.splice(index, 1);
        clearTimeout(timer);
        reject(new Error(`connection closed (${code}) while waiting for ${what}`));
      });
    });
  }

  /** The next text frame, without its leading Engine.IO "4" when it is a MESSAGE. */
  async nextText(what = "a text frame"): Promise<string> {
    const frame = await this.next(what);
    if (typeof frame !== "string") throw new Error(`expected ${what}, got a binary frame`);
    return frame.startsWith("4") ? frame.slice(1) : frame;
  }

  /** Whether the server closed the connection (the websocket, or the Engine.IO session with a CLOSE packet). */
  async waitClosed(what = "the server to close the connection"): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.closed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), SAFETY_NET_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return !this.isClosed && this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.terminate();
  }
}

/**
 * A raw client that has joined the main namespace of `h`, with its server-side socket; the client is added to `raws`
 * for the suite to close.
 */
export async function joinedRaw(h: Harness, raws: RawClient[]): Promise<{ raw: RawClient; socket: ServerSocket }> {
  const connection = once<[ServerSocket]>(h.io, "connection");
  const raw = await RawClient.connect(h.url);
  raws.push(raw);
  raw.sendPacket("0");
  assert.match(await raw.nextText("CONNECT response"), /^0\{"sid"/);
  const [socket] = await connection;
  return { raw, socket };
}
