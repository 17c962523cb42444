/**
 * Complete, unmasked, uncompressed WebSocket text frames (RFC 6455 §5.2) built as one Buffer.
 *
 * `ws` frames a message as a header Buffer plus the payload and writes both under cork, which ends
 * in a `writev` per message. One contiguous Buffer is a plain `write`, cheaper per call, and the same
 * Buffer can be written to every recipient of a broadcast.
 */

/**
 * Largest payload framed here: the 16-bit length form (frames up to 64 KiB). Above it the copy into
 * one Buffer costs more than `writev` saves: `ws` frames it.
 */
export const MAX_PREFRAMED_PAYLOAD = 0xffff;

const FIN_TEXT = 0x81;

/**
 * The text frame whose payload is the byte `code` followed by the UTF-8 of `text` (an Engine.IO
 * packet: type digit + data). Undefined when the payload is larger than `MAX_PREFRAMED_PAYLOAD`
 * bytes.
 */
export function textFrame(code: number, text: string): Buffer | undefined {
  // one byte per UTF-16 unit is a lower bound: skip the length scan for payloads surely too big
  if (text.length >= MAX_PREFRAMED_PAYLOAD) return undefined;
  const length = 1 + Buffer.byteLength(text, "utf8");
  if (length > MAX_PREFRAMED_PAYLOAD) return undefined;
  let offset: number;
  let frame: Buffer;
  if (length < 126) {
    offset = 2;
    frame = Buffer.allocUnsafe(offset + length);
    frame[1] = length;
  } else {
    offset = 4;
    frame = Buffer.allocUnsafe(offset + length);
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  }
  frame[0] = FIN_TEXT;
  frame[offset] = code;
  if (length > 1) frame.write(text, offset + 1, length - 1, "utf8");
  return frame;
}

/**
 * The text frame of `code` + `text` for a broadcast, whatever its size: built once, written to
 * every recipient. Up to `MAX_PREFRAMED_PAYLOAD` bytes one Buffer (`textFrame`); above it a header
 * and the payload, two Buffers (written with one `writev` per recipient): one UTF-8 encoding of the
 * text for the whole broadcast instead of one per recipient.
 */
export function sharedTextFrame(code: number, text: string): Buffer | Buffer[] {
  const small = textFrame(code, text);
  if (small !== undefined) return small;
  const length = 1 + Buffer.byteLength(text, "utf8");
  const payload = Buffer.allocUnsafe(length);
  payload[0] = code;
  payload.write(text, 1, length - 1, "utf8");
  // what `textFrame` left is over 65,535 bytes: the 64-bit length form
  const header = Buffer.allocUnsafe(10);
  header[0] = FIN_TEXT;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return [header, payload];
}
