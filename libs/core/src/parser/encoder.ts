import { extractAttachments, hasBinary, type BinaryLike } from "./binary.js";
import { PacketType, type Packet } from "./packet.js";

export type JSONReplacer = (this: any, key: string, value: any) => any;

/**
 * Turns a packet into the frames to hand to the engine: one string, followed by one binary frame per
 * attachment when the payload carries binary data (same contract as `socket.io-parser`'s Encoder).
 */
export class Encoder {
  constructor(private readonly replacer?: JSONReplacer) {}

  encode(packet: Packet): Array<string | BinaryLike> {
    if ((packet.type === PacketType.EVENT || packet.type === PacketType.ACK) && hasBinary(packet.data)) {
      const buffers: BinaryLike[] = [];
      const data = extractAttachments(packet.data, buffers);
      const head = this.encodeAsString({
        type: packet.type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK,
        nsp: packet.nsp,
        id: packet.id,
        data,
        attachments: buffers.length,
      });
      const frames: Array<string | BinaryLike> = [head];
      for (let i = 0; i < buffers.length; i++) frames.push(buffers[i]!);
      return frames;
    }
    return [this.encodeAsString(packet)];
  }

  private encodeAsString(packet: Packet): string {
    let out = String(packet.type);
    if (packet.type === PacketType.BINARY_EVENT || packet.type === PacketType.BINARY_ACK) {
      out += packet.attachments + "-";
    }
    if (packet.nsp && packet.nsp !== "/") out += packet.nsp + ",";
    if (packet.id != null) out += packet.id;
    if (packet.data != null) out += JSON.stringify(packet.data, this.replacer);
    return out;
  }
}
