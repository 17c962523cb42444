// Client for the raw `ws` ceiling server (see server/impls/ws.ts for the framing).
import WebSocket from "ws";
import type { BenchClient, ConnectOptions } from "./client.js";
import { closeWebSocket } from "./close-websocket.js";

let lastText = "";
let lastParsed: RawFrame = {};

interface RawFrame {
  e?: string;
  i?: number;
  d?: unknown;
}

export class RawWsClient implements BenchClient {
  private nextAckId = 0;
  private readonly acks = new Map<number, (reply: unknown) => void>();
  private readonly listeners = new Map<string, (data: unknown) => void>();
  // The server echoes binary frames in order, so replies match the oldest pending request.
  private readonly binaryQueue: Array<(reply: Buffer) => void> = [];
  private closeListener: (() => void) | undefined;

  private constructor(private readonly ws: WebSocket) {}

  /** Opens the WebSocket and waits for the server's "0" hello. */
  static connect(options: ConnectOptions): Promise<RawWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${options.port}/`, { perMessageDeflate: false });
      const client = new RawWsClient(ws);
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`raw ws handshake on port ${options.port}: ${reason}`));
      };
      const timer = setTimeout(() => fail(`no hello within ${options.timeoutMs} ms`), options.timeoutMs);
      ws.on("error", (error) => fail(error.message));
      ws.on("close", () => {
        fail("closed during handshake");
        client.closeListener?.();
      });
      ws.on("message", (data, isBinary) => {
        if (settled) {
          client.handleFrame(data as Buffer, isBinary);
        } else if (String(data) === "0") {
          settled = true;
          clearTimeout(timer);
          resolve(client);
        }
      });
    });
  }

  emitWithAck(event: string, data: unknown, onReply: (reply: unknown) => void): void {
    const id = this.nextAckId++;
    this.acks.set(id, onReply);
    this.ws.send(JSON.stringify({ e: event, i: id, d: data }));
  }

  emit(event: string, data: unknown): void {
    this.ws.send(JSON.stringify({ e: event, d: data }));
  }

  onEvent(event: string, listener: (data: unknown) => void): void {
    this.listeners.set(event, listener);
  }

  echoBinary(payload: Buffer, onReply: (reply: Buffer) => void): void {
    this.binaryQueue.push(onReply);
    this.ws.send(payload, { binary: true });
  }

  onClose(listener: () => void): void {
    this.closeListener = listener;
  }

  close(): Promise<void> {
    return closeWebSocket(this.ws);
  }

  private handleFrame(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.binaryQueue.shift()?.(data);
      return;
    }
    const text = String(data);
    let frame: RawFrame;
    if (text === lastText) frame = lastParsed;
    else {
      frame = JSON.parse(text) as RawFrame;
      lastText = text;
      lastParsed = frame;
    }
    if (frame.e !== undefined) {
      this.listeners.get(frame.e)?.(frame.d);
      return;
    }
    if (frame.i === undefined) return;
    const onReply = this.acks.get(frame.i);
    if (!onReply) return;
    this.acks.delete(frame.i);
    onReply(frame.d);
  }
}
