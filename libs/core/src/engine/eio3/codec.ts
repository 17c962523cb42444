/**
 * Engine.IO protocol 3 codec (socket.io-client 2.x, engine.io-client 3.x), for sessions opened with
 * `EIO=3` (or no `EIO`) under `allowEIO3`.
 *
 * What differs from protocol 4 (`../packet.ts`, `../payload.ts`):
 * - binary data in text form is `b` + the packet type digit + base64 (`b4AQID`), not `b` + base64;
 * - a binary WebSocket frame starts with the packet type as a byte (`0x04` for a message);
 * - a text polling payload is length-prefixed: `<length>:<packet>` repeated, the length counted in
 *   UTF-16 code units (JavaScript string length), `0:` for no packet;
 * - a binary polling payload (XHR2 clients, `application/octet-stream`) is, per packet, a byte 0
 *   (text) or 1 (binary), the length as one byte per decimal digit, a byte 255, then the packet
 *   (for a text packet its UTF-8 bytes, the length being their count).
 *
 * Decoding refuses (with a reason) instead of guessing: a length prefix that is not digits, longer
 * than `MAX_LENGTH_DIGITS` or past the end of the body, a packet that does not decode, more packets
 * than allowed. Its cost is linear in the body, which the transport bounds (`maxHttpBufferSize`).
 */
import { toBuffer, type Packet, type PacketType } from "../packet.js";

/** Packet types in wire order: the index is the digit (or byte) on the wire. */
const TYPES: readonly PacketType[] = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];
const CODE: Readonly<Record<string, number>> = { open: 0, close: 1, ping: 2, pong: 3, message: 4, upgrade: 5, noop: 6 };

/**
 * Digits a length prefix may have: 9 digits reach 999,999,999 (far past any `maxHttpBufferSize`
 * anyone runs with). Longer is refused before the number is even computed.
 */
export const MAX_LENGTH_DIGITS = 9;

const COLON = 0x3a;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Packets decoded from a body, or why the body was refused. */
export type DecodedPayload = { ok: true; packets: Packet[] } | { ok: false; reason: string; tooManyPackets?: true };

/** The wire code of a packet type, or throws for one that has none (`error`). */
function codeOf(type: PacketType): number {
  const code = CODE[type];
  if (code === undefined) throw new TypeError(`cannot encode an Engine.IO packet of type "${type}"`);
  return code;
}

/** One packet as text: binary data becomes `b` + type digit + base64. */
export function encodePacketToStringV3(packet: Packet): string {
  const data = packet.data;
  const code = codeOf(packet.type);
  if (data === undefined) return String(code);
  if (typeof data === "string") return code + data;
  return "b" + code + toBuffer(data).toString("base64");
}

/** A binary packet as one WebSocket frame: the type byte, then the data. */
export function encodeBinaryFrameV3(packet: Packet): Buffer {
  const data = toBuffer(packet.data as Exclude<Packet["data"], string | undefined>);
  const frame = Buffer.allocUnsafe(data.length + 1);
  frame[0] = codeOf(packet.type);
  data.copy(frame, 1);
  return frame;
}

/**
 * Decodes one text packet (a WebSocket text frame, or one packet of a text payload). Returns
 * undefined for input that is not a packet.
 */
export function decodeTextPacketV3(text: string): Packet | undefined {
  if (text.length === 0) return undefined;
  if (text.charCodeAt(0) === 0x62 /* b */) {
    const type = TYPES[text.charCodeAt(1) - 0x30];
    const base64 = text.slice(2);
    if (type === undefined || base64.length % 4 !== 0 || !BASE64.test(base64)) return undefined;
    return { type, data: Buffer.from(base64, "base64") };
  }
  const type = TYPES[text.charCodeAt(0) - 0x30];
  if (type === undefined) return undefined;
  // a message always carries data (possibly empty), as in protocol 4, so listeners never get `undefined`
  if (text.length > 1 || type === "message") return { type, data: text.slice(1) };
  return { type };
}

/** Decodes a binary packet (a binary WebSocket frame, or a binary packet of a binary payload): type byte + data. */
export function decodeBinaryPacketV3(bytes: Buffer): Packet | undefined {
  if (bytes.length === 0) return undefined;
  const type = TYPES[bytes[0]!];
  if (type === undefined) return undefined;
  return { type, data: bytes.subarray(1) };
}

/** Whether a payload holds binary data (then an XHR2 client gets it as a binary payload). */
export function hasBinaryData(packets: readonly Packet[]): boolean {
  for (const packet of packets) if (packet.data !== undefined && typeof packet.data !== "string") return true;
  return false;
}

/** A text payload: `<length>:<packet>` for each packet, `0:` for none. */
export function encodeTextPayloadV3(packets: readonly Packet[]): string {
  if (packets.length === 0) return "0:";
  let out = "";
  for (const packet of packets) {
    const encoded = encodePacketToStringV3(packet);
    out += encoded.length + ":" + encoded;
  }
  return out;
}

/** A binary payload (see the module comment). */
export function encodeBinaryPayloadV3(packets: readonly Packet[]): Buffer {
  const parts: Buffer[] = [];
  for (const packet of packets) {
    const binary = packet.data !== undefined && typeof packet.data !== "string";
    const body = binary ? encodeBinaryFrameV3(packet) : Buffer.from(encodePacketToStringV3(packet), "utf8");
    const digits = String(body.length);
    const head = Buffer.allocUnsafe(digits.length + 2);
    head[0] = binary ? 1 : 0;
    for (let i = 0; i < digits.length; i++) head[i + 1] = digits.charCodeAt(i) - 0x30;
    head[head.length - 1] = 255;
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

/**
 * Decodes a text payload. Stops, refusing the whole body, at the first malformed length or packet,
 * or as soon as it holds more than `maxPackets` packets (nothing is dispatched from a refused body).
 * Empty packets (`0:`) are skipped, as the reference does.
 */
export function decodeTextPayloadV3(payload: string, maxPackets: number): DecodedPayload {
  if (payload.length === 0) return { ok: false, reason: "empty payload" };
  const packets: Packet[] = [];
  let at = 0;
  while (at < payload.length) {
    let colon = at;
    while (colon < payload.length && colon - at <= MAX_LENGTH_DIGITS && payload.charCodeAt(colon) !== COLON) colon++;
    if (colon === payload.length) return { ok: false, reason: `length prefix without ":" at offset ${at}` };
    const digits = payload.slice(at, colon);
    if (digits.length === 0 || digits.length > MAX_LENGTH_DIGITS || !isDigits(digits)) {
      return { ok: false, reason: `invalid length prefix ${JSON.stringify(digits.slice(0, MAX_LENGTH_DIGITS + 1))} at offset ${at}` };
    }
    const length = Number(digits);
    const start = colon + 1;
    if (start + length > payload.length) {
      return { ok: false, reason: `packet of length ${length} at offset ${at} runs past the end of the payload (${payload.length})` };
    }
    at = start + length;
    if (length === 0) continue;
    if (packets.length === maxPackets) return { ok: false, reason: `more than ${maxPackets} packets`, tooManyPackets: true };
    const packet = decodeTextPacketV3(payload.slice(start, at));
    if (packet === undefined) return { ok: false, reason: `undecodable packet at offset ${start}` };
    packets.push(packet);
  }
  return { ok: true, packets };
}

/** Decodes a binary payload, with the same refusals as `decodeTextPayloadV3`. */
export function decodeBinaryPayloadV3(payload: Buffer, maxPackets: number): DecodedPayload {
  if (payload.length === 0) return { ok: false, reason: "empty payload" };
  const packets: Packet[] = [];
  let at = 0;
  while (at < payload.length) {
    const kind = payload[at]!;
    if (kind !== 0 && kind !== 1) return { ok: false, reason: `invalid packet kind byte ${kind} at offset ${at}` };
    let length = 0;
    let i = at + 1;
    for (; i < payload.length && payload[i] !== 255; i++) {
      const digit = payload[i]!;
      if (digit > 9 || i - at > MAX_LENGTH_DIGITS) return { ok: false, reason: `invalid length prefix at offset ${at}` };
      length = length * 10 + digit;
    }
    if (i === payload.length || i === at + 1) return { ok: false, reason: `length prefix without end marker at offset ${at}` };
    const start = i + 1;
    if (start + length > payload.length) {
      return { ok: false, reason: `packet of length ${length} at offset ${at} runs past the end of the payload (${payload.length})` };
    }
    at = start + length;
    if (packets.length === maxPackets) return { ok: false, reason: `more than ${maxPackets} packets`, tooManyPackets: true };
    const bytes = payload.subarray(start, at);
    const packet = kind === 1 ? decodeBinaryPacketV3(bytes) : decodeUtf8Packet(bytes);
    if (packet === undefined) return { ok: false, reason: `undecodable packet at offset ${start}` };
    packets.push(packet);
  }
  return { ok: true, packets };
}

function decodeUtf8Packet(bytes: Buffer): Packet | undefined {
  const text = bytes.toString("utf8");
  // invalid UTF-8 would be replaced silently: refuse it instead
  if (Buffer.byteLength(text) !== bytes.length) return undefined;
  return decodeTextPacketV3(text);
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
