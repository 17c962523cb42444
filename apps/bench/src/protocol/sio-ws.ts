// A minimal Socket.IO client over a WebSocket: Engine.IO 4 + Socket.IO 5 frames on the main namespace.
//   server -> "0{...}" (open), client -> "40" (connect), server -> "40{...}" (connected)
//   "2" ping -> "3" pong; "42[...]" event; "42<id>[...]" event with ack; "43<id>[...]" ack
//   "45<n>-<id>[...]" binary event followed by <n> binary frames; "46<n>-<id>[...]" binary ack
import WebSocket from "ws";
import type { BenchClient, ConnectOptions } from "./client.js";
import { closeWebSocket } from "./close-websocket.js";

// Fan-out sends the same frame text to every client; parsing it once keeps the load generator cheap.
let lastEventText = "";
let lastEventParsed: unknown[] = [];

function parseArray(text: string): unknown[] {
  if (text === lastEventText) return lastEventParsed;
  const parsed = JSON.parse(text) as unknown[];
  lastEventText = text;
  lastEventParsed = parsed;
  return parsed;
}

/** Splits "<digits>rest" into the number and the rest (id -1 when there are no digits). */
function splitId(text: string, from: number): [number, number] {
  let at = from;
  while (at < text.length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
  return [at === from ? -1 : Number(text.slice(from, at)), at];
}

interface PendingBinary {
  kind: "event" | "ack";
  id: number;
  args: unknown[];
  expected: number;
  buffers: Buffer[];
}

export class SioWsClient implements BenchClient {
  private nextAckId = 0;
  private readonly acks = new Map<number, (reply: unknown) => void>();
  private readonly listeners = new Map<string, (data: unknown) => void>();
  private pendingBinary: PendingBinary | undefined;
  private closeListener: (() => void) | undefined;

  private constructor(private readonly ws: WebSocket) {}

  /** Opens the WebSocket and completes the Engine.IO open + Socket.IO CONNECT handshake. */
  static connect(options: ConnectOptions): Promise<SioWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${options.port}/socket.io/?EIO=4&transport=websocket`, {
        perMessageDeflate: false,
      });
      const client = new SioWsClient(ws);
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`socket.io handshake on port ${options.port}: ${reason}`));
      };
      const timer = setTimeout(() => fail(`no CONNECT within ${options.timeoutMs} ms`), options.timeoutMs);
      ws.on("error", (error) => fail(error.message));
      ws.on("close", () => {
        fail("closed during handshake");
        client.closeListener?.();
      });
      ws.on("message", (data, isBinary) => {
        if (settled) {
          client.handleFrame(data as Buffer, isBinary);
          return;
        }
        const text = String(data);
        if (text.startsWith("0")) ws.send("40");
        else if (text.startsWith("40")) {
          settled = true;
          clearTimeout(timer);
          resolve(client);
        } else if (text.startsWith("44")) fail(`connect_error ${text.slice(2)}`);
        else if (text === "2") ws.send("3");
      });
    });
  }

  emitWithAck(event: string, data: unknown, onReply: (reply: unknown) => void): void {
    const id = this.nextAckId++;
    this.acks.set(id, onReply);
    this.ws.send(`42${id}${JSON.stringify([event, data])}`);
  }

  emit(event: string, data: unknown): void {
    this.ws.send(`42${JSON.stringify([event, data])}`);
  }

  onEvent(event: string, listener: (data: unknown) => void): void {
    this.listeners.set(event, listener);
  }

  echoBinary(payload: Buffer, onReply: (reply: Buffer) => void): void {
    const id = this.nextAckId++;
    this.acks.set(id, onReply as (reply: unknown) => void);
    this.ws.send(`451-${id}["bin",{"_placeholder":true,"num":0}]`);
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
      const pending = this.pendingBinary;
      if (!pending) return;
      pending.buffers.push(data);
      if (pending.buffers.length === pending.expected) {
        this.pendingBinary = undefined;
        const args = pending.args.map((arg) => this.fillPlaceholder(arg, pending.buffers));
        this.dispatch(pending.kind, pending.id, args);
      }
      return;
    }
    const text = String(data);
    const engineType = text.charCodeAt(0);
    if (engineType === 50 /* "2" ping */) {
      this.ws.send("3");
      return;
    }
    if (engineType !== 52 /* "4" message */) return;
    const packetType = text.charCodeAt(1);
    if (packetType === 50 /* event */ || packetType === 51 /* ack */) {
      const [id, at] = splitId(text, 2);
      this.dispatch(packetType === 50 ? "event" : "ack", id, parseArray(text.slice(at)));
    } else if (packetType === 53 /* binary event */ || packetType === 54 /* binary ack */) {
      const dash = text.indexOf("-", 2);
      const expected = Number(text.slice(2, dash));
      const [id, at] = splitId(text, dash + 1);
      this.pendingBinary = {
        kind: packetType === 53 ? "event" : "ack",
        id,
        args: JSON.parse(text.slice(at)) as unknown[],
        expected,
        buffers: [],
      };
    } else if (packetType === 49 /* disconnect */) {
      this.ws.close();
    }
  }

  private fillPlaceholder(arg: unknown, buffers: Buffer[]): unknown {
    if (arg && typeof arg === "object" && (arg as { _placeholder?: boolean })._placeholder) {
      return buffers[(arg as { num: number }).num];
    }
    return arg;
  }

  private dispatch(kind: "event" | "ack", id: number, args: unknown[]): void {
    if (kind === "ack") {
      const onReply = this.acks.get(id);
      if (!onReply) return;
      this.acks.delete(id);
      onReply(args[0]);
      return;
    }
    const listener = this.listeners.get(args[0] as string);
    listener?.(args[1]);
  }
}
