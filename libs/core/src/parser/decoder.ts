import { EventEmitter } from "node:events";
import createDebug from "debug";
import { asBuffer, insertAttachments, isBinary } from "./binary.js";
import { ParserError } from "./errors.js";
import { jsonDepthExceeds } from "./json-depth.js";
import { PacketType, RESERVED_EVENTS, type Packet } from "./packet.js";

const debug = createDebug("sockline:parser");

export type JSONReviver = (this: any, key: string, value: any) => any;

export interface DecoderOptions {
  /** Passed to JSON.parse. */
  reviver?: JSONReviver;
  /** Largest number of binary attachments one packet may announce. @default 10 */
  maxAttachments?: number;
  /** Deepest JSON nesting accepted in a payload. @default 100 */
  maxDepth?: number;
  /**
   * Most bytes the attachments of one binary packet may add up to: a packet is held until all its
   * attachments have arrived, so this bounds what one connection makes the server hold.
   * @default 1e6 (the engine's default maxHttpBufferSize)
   */
  maxAttachmentBytes?: number;
}

export const DEFAULT_MAX_ATTACHMENTS = 10;
export const DEFAULT_MAX_DEPTH = 100;
export const DEFAULT_MAX_ATTACHMENT_BYTES = 1e6;

/** Ack ids are sent as decimal digits; more than this cannot be a safe integer. */
const MAX_ACK_ID_DIGITS = 15;

interface DecoderEvents {
  decoded: [packet: Packet];
}

/**
 * Turns the frames received from one engine connection into packets (same contract as
 * `socket.io-parser`'s Decoder: `add()` throws on bad input, `decoded` fires for each complete packet).
 * A binary packet is held until all its attachments have arrived.
 */
export class Decoder extends EventEmitter<DecoderEvents> {
  private readonly reviver: JSONReviver | undefined;
  private readonly maxAttachments: number;
  private readonly maxDepth: number;
  private readonly maxAttachmentBytes: number;
  private pending: Packet | null = null;
  private buffers: Buffer[] = [];
  /** Bytes of the attachments received so far for the pending packet. */
  private attachmentBytes = 0;

  constructor(opts?: DecoderOptions | JSONReviver) {
    super();
    const options: DecoderOptions = typeof opts === "function" ? { reviver: opts } : (opts ?? {});
    this.reviver = options.reviver;
    this.maxAttachments = options.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  }

  /** Attachments still expected by the binary packet being reassembled (0 when none). */
  get pendingAttachments(): number {
    return this.pending ? this.pending.attachments! - this.buffers.length : 0;
  }

  add(chunk: unknown): void {
    if (typeof chunk === "string") {
      if (this.pending) {
        throw new ParserError("got a text frame while waiting for binary attachments", this.pending.type);
      }
      const packet = this.decodeString(chunk);
      if (packet.type === PacketType.BINARY_EVENT || packet.type === PacketType.BINARY_ACK) {
        this.pending = packet;
        this.buffers = [];
        this.attachmentBytes = 0;
      } else {
        this.emit("decoded", packet);
      }
      return;
    }
    if (isBinary(chunk)) {
      const pending = this.pending;
      if (!pending) throw new ParserError("got a binary frame that no packet announced");
      const buffer = asBuffer(chunk);
      const bytes = this.attachmentBytes + buffer.byteLength;
      if (bytes > this.maxAttachmentBytes) {
        // what was held goes now, not when the connection is finally gone
        this.destroy();
        debug("attachments of a packet %d reach %d bytes (limit maxAttachmentBytes=%d)", pending.type, bytes, this.maxAttachmentBytes);
        throw new ParserError(
          `attachments of one packet add up to more than maxAttachmentBytes (${bytes} > ${this.maxAttachmentBytes})`,
          pending.type,
          "maxAttachmentBytes",
          { value: bytes, bound: this.maxAttachmentBytes },
        );
      }
      this.attachmentBytes = bytes;
      this.buffers.push(buffer);
      if (this.buffers.length < pending.attachments!) return;
      const buffers = this.buffers;
      this.destroy();
      try {
        pending.data = insertAttachments(pending.data, buffers);
      } catch (err) {
        throw new ParserError((err as Error).message, pending.type);
      }
      pending.type = pending.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
      delete pending.attachments;
      this.emit("decoded", pending);
      return;
    }
    throw new ParserError(`unknown chunk type: ${typeof chunk}`);
  }

  /** Drops a half-received binary packet (the connection is going away). */
  destroy(): void {
    this.pending = null;
    this.buffers = [];
    this.attachmentBytes = 0;
  }

  /**
   * @internal Decodes one text frame without touching the reassembly state (the server shares one
   * decoder for the text frames of every connection; a binary packet's attachments need a decoder of
   * their own). Throws `ParserError` like `add()`.
   */
  decodeString(str: string): Packet {
    const type = str.charCodeAt(0) - 48;
    if (!(type >= 0 && type <= 6)) throw new ParserError(`unknown packet type ${JSON.stringify(str.charAt(0))}`);
    const packet: Packet = { type, nsp: "/" };
    let i = 1;

    if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
      const dash = str.indexOf("-", i);
      const digits = dash === -1 ? "" : str.slice(i, dash);
      // "Illegal attachments": the reference's text for a count that is not a positive integer
      if (!/^[0-9]+$/.test(digits)) throw new ParserError("Illegal attachments", type);
      const count = Number(digits);
      if (count < 1) throw new ParserError("Illegal attachments", type);
      if (count > this.maxAttachments) {
        debug("packet %d announces %d attachments (limit maxAttachments=%d)", type, count, this.maxAttachments);
        throw new ParserError(`too many attachments: ${count} > maxAttachments ${this.maxAttachments}`, type, "maxAttachments", {
          value: count,
          bound: this.maxAttachments,
        });
      }
      packet.attachments = count;
      i = dash + 1;
    }

    if (str.charCodeAt(i) === 47 /* / */) {
      const comma = str.indexOf(",", i);
      const end = comma === -1 ? str.length : comma;
      packet.nsp = str.slice(i, end);
      i = comma === -1 ? str.length : comma + 1;
    }

    const idStart = i;
    while (i < str.length) {
      const c = str.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    if (i > idStart) {
      if (i - idStart > MAX_ACK_ID_DIGITS) throw new ParserError("invalid ack id (too long)", type);
      packet.id = Number(str.slice(idStart, i));
    }

    if (i < str.length) {
      if (jsonDepthExceeds(str, i, this.maxDepth)) {
        throw new ParserError(`payload nesting deeper than maxDepth ${this.maxDepth}`, type, "maxDepth", { bound: this.maxDepth });
      }
      let payload: unknown;
      try {
        payload = JSON.parse(str.slice(i), this.reviver);
      } catch {
        throw new ParserError("invalid JSON payload", type);
      }
      const problem = payloadProblem(type, payload);
      if (problem) throw new ParserError(problem, type);
      packet.data = payload;
    } else if (type === PacketType.EVENT || type === PacketType.BINARY_EVENT || type === PacketType.ACK || type === PacketType.BINARY_ACK) {
      throw new ParserError("missing payload", type);
    } else if (type === PacketType.CONNECT_ERROR) {
      throw new ParserError("missing payload", type);
    }
    return packet;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === "[object Object]";
}

/** Why a payload does not fit its packet type, or undefined when it does. */
function payloadProblem(type: PacketType, payload: unknown): string | undefined {
  switch (type) {
    case PacketType.CONNECT:
      return isPlainObject(payload) ? undefined : "CONNECT payload must be an object";
    case PacketType.DISCONNECT:
      return "DISCONNECT takes no payload";
    case PacketType.CONNECT_ERROR:
      return typeof payload === "string" || isPlainObject(payload) ? undefined : "invalid CONNECT_ERROR payload";
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(payload) || payload.length === 0) return "event payload must be a non-empty array";
      const name = payload[0];
      if (typeof name === "number") return undefined;
      if (typeof name !== "string") return "event name must be a string or a number";
      return RESERVED_EVENTS.has(name) ? `reserved event name ${JSON.stringify(name)}` : undefined;
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      return Array.isArray(payload) ? undefined : "ack payload must be an array";
  }
}

/** Structural check of a packet object (same meaning as `socket.io-parser`'s isPacketValid). */
export function isPacketValid(packet: Packet): boolean {
  if (typeof packet.nsp !== "string") return false;
  if (packet.id !== undefined && !Number.isInteger(packet.id)) return false;
  if (packet.type === PacketType.CONNECT) return packet.data === undefined || isPlainObject(packet.data);
  if (packet.type === PacketType.DISCONNECT) return packet.data === undefined;
  if (packet.type === PacketType.BINARY_EVENT || packet.type === PacketType.BINARY_ACK) return false;
  return payloadProblem(packet.type, packet.data) === undefined;
}
