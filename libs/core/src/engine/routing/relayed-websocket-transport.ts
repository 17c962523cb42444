/**
 * The WebSocket transport of a session whose WebSocket another node holds (an upgrade that
 * crossed machines, see `docs/session-routing.md`): packets travel as frames through a
 * `RelayedWebSocket` link of the router, one packet per frame as on a local WebSocket.
 */
import createDebug from "debug";
import { decodePacket, encodePacket, type Packet } from "../packet.js";
import type { RelayedWebSocket } from "../session-routing.js";
import { NO_OWNER, TransportError, type Transport, type TransportOwner } from "../transports/transport.js";

const debug = createDebug("sockline:engine:relayed-ws");

const MESSAGE_CODE = 0x34; // "4"

export class RelayedWebSocketTransport implements Transport {
  readonly name = "websocket" as const;
  owner: TransportOwner = NO_OWNER;
  private open = true;
  /** `close()` was called: the link's close event is still to come. */
  private closing = false;

  /** `maxPayload`: the largest frame accepted from the link (`maxHttpBufferSize`). */
  constructor(
    private readonly link: RelayedWebSocket,
    private readonly maxPayload: number,
  ) {
    link.onFrame((frame) => this.onFrame(frame));
    link.onClose(() => this.onClose());
  }

  get acceptsWrites(): boolean {
    return this.open && !this.closing;
  }

  get writable(): boolean {
    return this.open && !this.closing;
  }

  /** What the link says it has not relayed yet (`maxBufferedBytes` then applies), else 0: the router bounds its own queue. */
  get unsentBytes(): number {
    return this.link.bufferedAmount ?? 0;
  }

  private onFrame(frame: string | Buffer): void {
    if (!this.open) return;
    const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
    if (size > this.maxPayload) {
      this.owner.onTransportRefusal(this, {
        kind: "limit",
        name: "maxHttpBufferSize",
        message: `relayed websocket message of ${size} bytes over maxHttpBufferSize (${this.maxPayload} bytes)`,
        action: "connection closed",
        value: size,
        limit: this.maxPayload,
      });
      this.owner.onTransportError(this, new TransportError(`relayed websocket message over maxHttpBufferSize (${this.maxPayload})`));
      return;
    }
    if (typeof frame !== "string") {
      this.owner.onTransportMessage(this, frame);
      return;
    }
    if (frame.length > 0 && frame.charCodeAt(0) === MESSAGE_CODE) {
      this.owner.onTransportMessage(this, frame.slice(1));
      return;
    }
    const packet = decodePacket(frame);
    if (packet.type === "close") {
      this.link.close();
      return;
    }
    this.owner.onTransportPacket(this, packet);
  }

  private onClose(): void {
    if (!this.open) return;
    this.open = false;
    debug("relayed websocket closed");
    this.owner.onTransportClose(this);
  }

  send(packets: Packet[], onSent?: () => void): void {
    for (const packet of packets) {
      const frame = encodePacket(packet);
      this.link.send(frame);
    }
    onSent?.();
  }

  close(callback?: () => void): void {
    // the owner hears the close when the link reports it, as with a local WebSocket
    this.closing = true;
    this.link.close();
    callback?.();
  }

  terminate(): void {
    this.owner = NO_OWNER;
    this.open = false;
    this.link.close();
  }

  discard(): void {}
}
