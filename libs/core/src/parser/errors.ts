import { PACKET_TYPE_NAMES } from "./packet.js";

/**
 * Why a chunk was rejected. The server closes the connection that sent it; `limit` names the bound
 * that was exceeded when the rejection comes from one of our limits rather than from malformed input.
 */
export class ParserError extends Error {
  override readonly name = "ParserError";
  constructor(
    message: string,
    readonly packetType?: number,
    readonly limit?: string,
  ) {
    super(message);
  }

  /** Packet type as text for logs ("EVENT", "BINARY_ACK"...), or "unknown". */
  get packetTypeName(): string {
    return this.packetType === undefined ? "unknown" : (PACKET_TYPE_NAMES[this.packetType] ?? String(this.packetType));
  }
}
