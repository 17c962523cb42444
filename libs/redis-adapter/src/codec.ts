import * as msgpack from "notepack.io";

/** Encoder/decoder pair for broadcast messages and binary requests; `notepack.io` by default, like the reference. */
export interface MessageParser {
  encode(value: unknown): Buffer | Uint8Array | string;
  decode(payload: Buffer): unknown;
}

export const msgpackParser: MessageParser = {
  encode: (value) => msgpack.encode(value),
  decode: (payload) => msgpack.decode(payload),
};

const OPENING_BRACE = 0x7b;

/**
 * Requests and responses are JSON text, except the ones that may carry binary data (BROADCAST, BROADCAST_ACK), which
 * are msgpack. A JSON object always starts with `{`, which is never the first byte of a msgpack map, so that byte tells
 * them apart.
 */
export function decodeRequestPayload(payload: Buffer, parser: MessageParser): unknown {
  if (payload[0] === OPENING_BRACE) return JSON.parse(payload.toString("utf8"));
  return parser.decode(payload);
}

/** `Buffer` view of what a parser produced, for PUBLISH. */
export function toPublishable(encoded: Buffer | Uint8Array | string): Buffer | string {
  if (typeof encoded === "string" || Buffer.isBuffer(encoded)) return encoded;
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}
