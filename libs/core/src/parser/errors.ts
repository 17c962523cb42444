import { PACKET_TYPE_NAMES } from "./packet.js";

/** The figures of a limit a chunk went past: what was measured (when it was), against which bound. */
export interface ParserLimitFigures {
  value?: number;
  bound: number;
}

/**
 * Why a chunk was rejected. The server closes the connection that sent it; `limit` names the bound
 * that was exceeded when the rejection comes from one of our limits rather than from malformed input,
 * and `value` / `bound` give its figures.
 */
export class ParserError extends Error {
  override readonly name = "ParserError";
  readonly value: number | undefined;
  readonly bound: number | undefined;
  constructor(
    message: string,
    readonly packetType?: number,
    readonly limit?: string,
    figures?: ParserLimitFigures,
  ) {
    super(message);
    this.value = figures?.value;
    this.bound = figures?.bound;
  }

  /** Packet type as text for logs ("EVENT", "BINARY_ACK"...), or "unknown". */
  get packetTypeName(): string {
    return this.packetType === undefined ? "unknown" : (PACKET_TYPE_NAMES[this.packetType] ?? String(this.packetType));
  }
}
