/**
 * Engine.IO protocol 4 packet codec (one packet).
 *
 * A text packet is one digit (the packet type) followed by its data. A binary
 * packet travels as a raw binary WebSocket frame (always a `message`), or, inside
 * a polling payload, as `b` + base64 (see payload.ts).
 */
import type { SharedMessage } from "./shared-message.js";

export const protocol = 4;

export type PacketType = "open" | "close" | "ping" | "pong" | "message" | "upgrade" | "noop" | "error";

/** Data of a received packet: text, or a Buffer for binary. */
export type RawData = string | Buffer;

/** Binary data accepted when sending (Buffer, any typed array / DataView, or ArrayBuffer). */
export type BinaryData = Buffer | ArrayBuffer | ArrayBufferView;

/** Data accepted when sending a packet. */
export type SendData = string | BinaryData;

/** A Buffer over the same bytes (no copy) for any binary data. */
export function toBuffer(data: BinaryData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * The data of a message an application sends: text and binary as they are; anything else becomes
 * text as the reference engine makes it (`"4" + (data || "")` there): `42` is `"42"`, `true` is
 * `"true"`, an object is its `toString()` (`"[object Object]"`), a falsy value an empty message.
 * Throws a TypeError (at the caller, never later inside a transport) for a value that has no text
 * form (a Symbol, an object without `toString`).
 */
export function toSendData(data: unknown): SendData {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data;
  if (!data) return "";
  try {
    return "" + (data as string);
  } catch (err) {
    throw new TypeError(`cannot send a ${typeof data} (it has no text form): ${(err as Error).message}`);
  }
}

export interface PacketOptions {
  /** Whether the packet may be compressed (permessage-deflate or HTTP compression). Default true. */
  compress?: boolean;
  /**
   * The complete WebSocket frame of this message packet, built by the sender (the reference's
   * option, which `socket.io-adapter` sets for its broadcasts). Only used by a WebSocket without
   * permessage-deflate.
   */
  wsPreEncodedFrame?: Buffer | Buffer[];
  /** The broadcast message this packet carries (see `Socket.sendShared`): its frame is built once. */
  shared?: SharedMessage;
}

export interface Packet {
  type: PacketType;
  data?: SendData;
  options?: PacketOptions;
}

/** Packet types in wire order: the index is the digit on the wire. */
const TYPE_BY_CODE: readonly PacketType[] = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];

const CODE_BY_TYPE: Readonly<Record<PacketType, string>> = {
  open: "0",
  close: "1",
  ping: "2",
  pong: "3",
  message: "4",
  upgrade: "5",
  noop: "6",
  error: "",
};

/** The packet a decoder returns for input it cannot understand (the socket closes with "parse error"). */
export const ERROR_PACKET: Readonly<Packet> = Object.freeze({ type: "error", data: "parser error" });

/**
 * Encodes one packet for a WebSocket frame: a string for text packets, the
 * Buffer itself for binary data (sent as a binary frame).
 */
export function encodePacket(packet: Packet): RawData {
  const data = packet.data;
  if (data !== undefined && typeof data !== "string") return toBuffer(data);
  const code = CODE_BY_TYPE[packet.type];
  if (code === undefined || code === "") throw new TypeError(`cannot encode an Engine.IO packet of type "${packet.type}"`);
  return data === undefined ? code : code + data;
}

/**
 * Encodes one packet as text: binary data becomes `b` + base64 (the polling
 * representation).
 */
export function encodePacketToString(packet: Packet): string {
  const data = packet.data;
  if (data !== undefined && typeof data !== "string") return "b" + toBuffer(data).toString("base64");
  return encodePacket(packet) as string;
}

/**
 * Decodes one packet. A Buffer is binary message data (a binary WebSocket frame);
 * a string is a text packet, or `b` + base64 binary data. Never throws: invalid
 * input gives {@link ERROR_PACKET}.
 */
export function decodePacket(encoded: RawData): Packet {
  if (typeof encoded !== "string") return { type: "message", data: encoded };
  if (encoded.length === 0) return ERROR_PACKET;
  const first = encoded.charCodeAt(0);
  if (first === 0x62 /* b */) {
    const base64 = encoded.slice(1);
    if (!isBase64(base64)) return ERROR_PACKET;
    return { type: "message", data: Buffer.from(base64, "base64") };
  }
  const type = TYPE_BY_CODE[first - 0x30];
  if (type === undefined) return ERROR_PACKET;
  // a message always carries data (possibly empty), so listeners never get `undefined`
  if (encoded.length > 1 || type === "message") return { type, data: encoded.slice(1) };
  return { type };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}
