/**
 * WebSocket for an Engine.IO protocol 3 session: the protocol 4 transport, except for binary data
 * (see `codec.ts`): a binary frame carries the packet type as its first byte, and a client that
 * asked for base64 (`b64`) gets binary as text `b4<base64>`. Text packets are the same in both
 * protocols, so text (and the frames a broadcast builds once) take the protocol 4 path.
 */
import type { WebSocket } from "ws";
import { ERROR_PACKET, type PacketType, type Packet, type SendData } from "../packet.js";
import type { SharedMessage } from "../shared-message.js";
import type { TransportOwner } from "../transports/transport.js";
import { WebSocketTransport } from "../transports/websocket.js";
import { decodeBinaryPacketV3, decodeTextPacketV3, encodeBinaryFrameV3, encodePacketToStringV3 } from "./codec.js";

const LETTER_B = 0x62;

export class Eio3WebSocketTransport extends WebSocketTransport {
  constructor(
    socket: WebSocket,
    owner: TransportOwner,
    /** Whether the client takes binary frames: it did not ask for base64 (`b64` in its query). */
    private readonly supportsBinary: boolean,
  ) {
    super(socket, owner);
  }

  /** @internal */
  override onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!isBinary && (buffer.length === 0 || buffer[0] !== LETTER_B)) return super.onFrame(buffer, false);
    const packet = isBinary ? decodeBinaryPacketV3(buffer) : decodeTextPacketV3(buffer.toString("utf8"));
    if (packet === undefined) return this.owner.onTransportPacket(this, ERROR_PACKET);
    if (packet.type === "message") return this.owner.onTransportMessage(this, packet.data as Buffer);
    this.owner.onTransportPacket(this, packet);
  }

  override sendDirect(
    type: PacketType,
    data: SendData | undefined,
    compress: boolean,
    onSent?: () => void,
    preFramed?: Buffer | Buffer[] | SharedMessage,
  ): void {
    if (data === undefined || typeof data === "string") return super.sendDirect(type, data, compress, onSent, preFramed);
    const packet: Packet = { type, data };
    this.sendFrame(this.supportsBinary ? encodeBinaryFrameV3(packet) : encodePacketToStringV3(packet), compress, onSent);
  }

  override send(packets: Packet[], onSent?: () => void): void {
    const last = packets.length - 1;
    for (let i = 0; i <= last; i++) {
      const packet = packets[i]!;
      const options = packet.options;
      this.sendDirect(
        packet.type,
        packet.data,
        options?.compress !== false,
        i === last ? onSent : undefined,
        options?.shared ?? options?.wsPreEncodedFrame,
      );
    }
  }
}
