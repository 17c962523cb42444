/**
 * The WebSocket transport on `ws`: one Engine.IO packet per frame, binary data
 * as binary frames. Packets go straight to `ws` (no buffer of our own).
 */
import createDebug from "debug";
import type { WebSocket } from "ws";
import { decodePacket, encodePacket, type PacketType, type Packet, type SendData } from "../packet.js";
import { SharedMessage } from "../shared-message.js";
import { textFrame } from "../ws-frame.js";
import { NO_OWNER, type DirectTransport, type TransportOwner } from "./transport.js";
import { markWrite, wroteThisTick } from "./write-tick.js";

const debug = createDebug("sockline:engine:ws");

const kTransport = Symbol("sockline.engine.transport");

type TaggedWebSocket = WebSocket & { [kTransport]?: WebSocketTransport };

// `ws` options objects, shared by every send instead of one object per frame
const TEXT = Object.freeze({ binary: false, compress: false });
const TEXT_COMPRESS = Object.freeze({ binary: false, compress: true });
const BINARY = Object.freeze({ binary: true, compress: false });
const BINARY_COMPRESS = Object.freeze({ binary: true, compress: true });

const CODE: Readonly<Record<string, string>> = { open: "0", close: "1", ping: "2", pong: "3", message: "4", upgrade: "5", noop: "6" };
/** The same digits as byte values, for frames we build ourselves. */
const CODE_BYTE: Readonly<Record<string, number>> = {
  open: 0x30,
  close: 0x31,
  ping: 0x32,
  pong: 0x33,
  message: 0x34,
  upgrade: 0x35,
  noop: 0x36,
};

/**
 * The part of `ws`'s private Sender that writes an already-framed message (the reference engine
 * relies on it too). Checked when the transport is created; without it every frame goes through
 * `WebSocket.send`.
 */
interface FrameSender {
  sendFrame(list: Buffer[], cb?: (err?: Error) => void): void;
  _queue?: unknown[];
}
type WebSocketInternals = { _sender?: FrameSender; _extensions?: Record<string, unknown> };

/**
 * The Sender of `socket` if we may write our own frames to it: no extension negotiated (a
 * permessage-deflate connection must keep `ws`'s framing and its ordering with compressed frames).
 */
function rawSenderOf(socket: WebSocket): FrameSender | null {
  const internals = socket as unknown as WebSocketInternals;
  const sender = internals._sender;
  if (!sender || typeof sender.sendFrame !== "function" || !Array.isArray(sender._queue)) return null;
  const extensions = internals._extensions;
  if (extensions && Object.keys(extensions).length > 0) return null;
  return sender;
}

const OPEN = 1;
const MESSAGE_CODE = 0x34; // "4"

// The listeners are shared functions (`this` is the WebSocket): nothing is allocated per connection.
function onWsMessage(this: TaggedWebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
  this[kTransport]?.onFrame(data, isBinary);
}
function onWsError(this: TaggedWebSocket, err: Error): void {
  this[kTransport]?.onError(err);
}
function onWsClose(this: TaggedWebSocket): void {
  this[kTransport]?.onClose();
}

export class WebSocketTransport implements DirectTransport {
  readonly name = "websocket" as const;
  owner: TransportOwner;
  /** Set when frames we build may be written straight to the connection (see `rawSenderOf`). */
  private readonly rawSender: FrameSender | null;
  /** When this transport last wrote (see `write-tick.ts`). */
  private lastWriteTick = -1;

  constructor(
    readonly socket: WebSocket,
    owner: TransportOwner,
  ) {
    this.owner = owner;
    this.rawSender = rawSenderOf(socket);
    (socket as TaggedWebSocket)[kTransport] = this;
    socket.on("message", onWsMessage);
    socket.on("error", onWsError);
    socket.on("close", onWsClose);
  }

  get acceptsWrites(): boolean {
    return this.socket.readyState === OPEN;
  }

  /**
   * Ready to send now: open, nothing written earlier in this tick (that write's completion has
   * not been seen yet, as in the reference, whose transport is not writable until the write's
   * callback ran) and no byte of an earlier write still waiting for the kernel.
   */
  get writable(): boolean {
    return this.socket.readyState === OPEN && !wroteThisTick(this.lastWriteTick) && this.socket.bufferedAmount === 0;
  }

  /** What `ws` holds that the kernel has not taken yet (its socket's buffer and its own queue). */
  get unsentBytes(): number {
    return this.socket.bufferedAmount;
  }

  /** @internal */
  onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      this.owner.onTransportMessage(this, buffer);
      return;
    }
    if (buffer.length > 0 && buffer[0] === MESSAGE_CODE) {
      // hot path: one string, no packet object
      this.owner.onTransportMessage(this, buffer.toString("utf8", 1));
      return;
    }
    const packet = decodePacket(buffer.toString("utf8"));
    if (packet.type === "close") {
      this.socket.close();
      return;
    }
    this.owner.onTransportPacket(this, packet);
  }

  /** @internal */
  onError(err: Error): void {
    debug("websocket error: %s", err.message);
    const code = (err as Error & { code?: unknown }).code;
    // `ws` refused what the peer sent (its errors carry a WS_ERR_* code); other errors are the network's
    if (typeof code === "string" && code.startsWith("WS_ERR_")) {
      if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
        this.owner.onTransportRefusal(this, {
          kind: "limit",
          name: "maxHttpBufferSize",
          message: `websocket message over maxHttpBufferSize (${this.maxPayload} bytes)`,
          action: "connection closed (1009)",
          limit: this.maxPayload,
        });
      } else {
        this.owner.onTransportRefusal(this, {
          kind: "violation",
          name: "invalid-frame",
          message: `invalid websocket frame: ${err.message} (${code})`,
          action: "connection closed",
        });
      }
    }
    this.owner.onTransportError(this, err);
  }

  /** The `maxPayload` `ws` enforces on this connection. */
  private get maxPayload(): number | undefined {
    return (this.socket as unknown as { _receiver?: { _maxPayload?: number } })._receiver?._maxPayload;
  }

  /** @internal */
  onClose(): void {
    (this.socket as TaggedWebSocket)[kTransport] = undefined;
    this.owner.onTransportClose(this);
  }

  sendDirect(
    type: PacketType,
    data: SendData | undefined,
    compress: boolean,
    onSent?: () => void,
    preFramed?: Buffer | Buffer[] | SharedMessage,
  ): void {
    this.lastWriteTick = markWrite();
    const sender = this.rawSender;
    // nothing may be queued in `ws` (it only queues while compressing or reading a Blob): order is kept
    if (sender !== null && sender._queue!.length === 0 && (data === undefined || typeof data === "string")) {
      if (preFramed !== undefined && type === "message") {
        sender.sendFrame(
          preFramed instanceof SharedMessage ? preFramed.wsFrame() : Array.isArray(preFramed) ? preFramed : [preFramed],
          onSent,
        );
        return;
      }
      const code = CODE_BYTE[type];
      const frame = code === undefined ? undefined : textFrame(code, data ?? "");
      if (frame !== undefined) {
        sender.sendFrame([frame], onSent);
        return;
      }
    }
    if (data !== undefined && typeof data !== "string") {
      // ws sends Buffer, ArrayBuffer and typed array views as they are
      this.socket.send(data, compress ? BINARY_COMPRESS : BINARY, onSent);
      return;
    }
    const frame = data === undefined ? CODE[type]! : CODE[type]! + data;
    this.socket.send(frame, compress ? TEXT_COMPRESS : TEXT, onSent);
  }

  send(packets: Packet[], onSent?: () => void): void {
    const last = packets.length - 1;
    for (let i = 0; i <= last; i++) {
      const packet = packets[i]!;
      if (typeof packet.data !== "object" || packet.data === null) {
        // text packets take the single-write path too
        this.sendDirect(
          packet.type,
          packet.data as string | undefined,
          packet.options?.compress !== false,
          i === last ? onSent : undefined,
          packet.options?.shared ?? packet.options?.wsPreEncodedFrame,
        );
        continue;
      }
      this.sendFrame(encodePacket(packet), packet.options?.compress !== false, i === last ? onSent : undefined);
    }
  }

  /** Writes one complete Engine.IO frame through `ws` (text for a string, binary for a Buffer). */
  protected sendFrame(frame: string | Buffer, compress: boolean, onSent?: () => void): void {
    this.lastWriteTick = markWrite();
    const opts = typeof frame === "string" ? (compress ? TEXT_COMPRESS : TEXT) : compress ? BINARY_COMPRESS : BINARY;
    this.socket.send(frame, opts, onSent);
  }

  close(callback?: () => void): void {
    this.socket.close();
    callback?.();
  }

  /** Abrupt end: no closing handshake, what `ws` still holds is dropped, the owner hears nothing more. */
  terminate(): void {
    (this.socket as TaggedWebSocket)[kTransport] = undefined;
    this.owner = NO_OWNER;
    this.socket.terminate();
  }

  discard(): void {}
}
