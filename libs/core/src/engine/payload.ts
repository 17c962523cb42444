/**
 * Engine.IO protocol 4 payloads: several packets in one HTTP long-polling body,
 * separated by the record separator `\x1e`. Binary data is `b` + base64.
 */
import { decodePacket, encodePacketToString, ERROR_PACKET, type Packet } from "./packet.js";

export const SEPARATOR = "\x1e";

export function encodePayload(packets: readonly Packet[]): string {
  if (packets.length === 1) return encodePacketToString(packets[0]!);
  let out = "";
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += SEPARATOR;
    out += encodePacketToString(packets[i]!);
  }
  return out;
}

/**
 * Decodes a payload. Decoding stops at the first invalid packet, which is
 * returned as the last element (an `error` packet), so the caller closes the session.
 */
export function decodePayload(payload: string): Packet[] {
  const parts = payload.split(SEPARATOR);
  const packets: Packet[] = [];
  for (const part of parts) {
    const packet = decodePacket(part);
    packets.push(packet);
    if (packet === ERROR_PACKET) break;
  }
  return packets;
}
