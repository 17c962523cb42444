/**
 * The WebSocket transport on `ws`: one Engine.IO packet per frame, binary data
 * as binary frames. Packets go straight to `ws` (no buffer of our own).
 */
import createDebug from "debug";
import type { WebSocket } from "ws";
import { decodePacket, encodePacket, type PacketType, type Packet, type SendData } from "../packet.js";
import type { DirectTransport, TransportOwner } from "./transport.js";

const debug = createDebug("sockline:engine:ws");

const kTransport = Symbol("sockline.engine.transport");

type TaggedWebSocket = WebSocket & { [kTransport]?: WebSocketTransport };

// `ws` options objects, shared by every send instead of one object per frame
const TEXT = Object.freeze({ binary: false, compress: false });
const TEXT_COMPRESS = Object.freeze({ binary: false, compress: true });
const BINARY = Object.freeze({ binary: true, compress: false });
const BINARY_COMPRESS = Object.freeze({ binary: true, compress: true });

const CODE: Readonly<Record<string, string>> = { open: "0", close: "1", ping: "2", pong: "3", message: "4", upgrade: "5", noop: "6" };

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

  constructor(
    readonly socket: WebSocket,
    owner: TransportOwner,
  ) {
    this.owner = owner;
    (socket as TaggedWebSocket)[kTransport] = this;
    socket.on("message", onWsMessage);
    socket.on("error", onWsError);
    socket.on("close", onWsClose);
  }

  get writable(): boolean {
    return this.socket.readyState === OPEN;
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
    this.owner.onTransportError(this, err);
  }

  /** @internal */
  onClose(): void {
    (this.socket as TaggedWebSocket)[kTransport] = undefined;
    this.owner.onTransportClose(this);
  }

  sendDirect(type: PacketType, data: SendData | undefined, compress: boolean, onSent?: () => void): void {
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
      const frame = encodePacket(packet);
      const compress = packet.options?.compress !== false;
      const opts = typeof frame === "string" ? (compress ? TEXT_COMPRESS : TEXT) : compress ? BINARY_COMPRESS : BINARY;
      this.socket.send(frame, opts, i === last ? onSent : undefined);
    }
  }

  close(callback?: () => void): void {
    this.socket.close();
    callback?.();
  }

  /** Abrupt end (no closing handshake), for a transport that never became the session's. */
  terminate(): void {
    this.socket.terminate();
  }

  discard(): void {}
}
