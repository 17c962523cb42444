import type { BroadcastFlags } from "../adapter/index.js";
import { SharedMessage } from "../engine/index.js";
import type { Packet } from "../parser/index.js";
import type { EncodedPacket, PacketEncoder, WriteOptions } from "./client-context.js";

/**
 * One packet of a broadcast, encoded once for all its recipients, with its write options. A packet
 * that encodes to a single text (no binary attachment) is also a `SharedMessage`, whose WebSocket
 * frame the engine builds once for every recipient.
 */
export class OutgoingMessage {
  readonly frames: EncodedPacket[];
  readonly opts: WriteOptions;
  readonly shared: SharedMessage | undefined;

  constructor(encoder: PacketEncoder, packet: Packet, flags: BroadcastFlags | undefined) {
    const frames = encoder.encode(packet);
    this.frames = frames;
    // one object per broadcast, not a frozen shared one: the reference engine writes into it
    this.opts = { volatile: flags?.volatile, compress: flags?.compress };
    const first = frames[0];
    this.shared = frames.length === 1 && typeof first === "string" ? new SharedMessage(first, flags?.compress !== false) : undefined;
  }
}
