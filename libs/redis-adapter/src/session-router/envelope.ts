/**
 * The bytes node-to-node messages of the Redis session router travel as, and the validation of every message read
 * back from Redis.
 *
 * One binary layout for every kind, so that a relayed WebSocket frame costs a fixed header (15 bytes + the node id) and no JSON or
 * base64 work, and so that a message is validated field by field before anything is allocated for it:
 *
 * ```
 * offset 0        version (1)
 * offset 1        kind (MessageKind)
 * offset 2        length n of the sender's node id (1..64)
 * offset 3        sender node id (n ASCII characters)
 * then            id: request id (requests, answers) or link id (relay messages), uint32 BE
 *                 seq: frame sequence number (frames), 0 otherwise, uint32 BE
 *                 length of the JSON header that follows (0 for frames and closes), uint32 BE
 *                 JSON header, then the body (POST body, answer body, frame payload) up to the end
 * ```
 *
 * Decoding never throws: hostile or corrupted input gives a {@link DecodeFailure} naming what is wrong, which the
 * transport drops and reports.
 */
import { isNodeId } from "./node-id.js";

export const ENVELOPE_VERSION = 1;
/** Fixed part of the header, without the node id. */
const FIXED_BYTES = 15;
const MAX_NODE_ID = 64;

export const MessageKind = {
  /** Edge → owner: serve this polling request (JSON header {@link WirePoll}, body = POST body). */
  Poll: 1,
  /** Owner → edge: the answer to a Poll (JSON header {@link WireAnswerHead}, body = response body). */
  Answer: 2,
  /** Edge → owner: adopt a WebSocket this node accepted for one of your sessions (JSON header {@link WireUpgrade}). */
  Open: 3,
  /** Owner → edge: the answer to an Open (JSON header {@link WireOpened}). */
  Opened: 4,
  /** Edge → owner: a frame from the client on link `id` (text / binary payload). */
  FrameToOwnerText: 5,
  FrameToOwnerBinary: 6,
  /** Owner → edge: a frame towards the client on link `id`. */
  FrameToEdgeText: 7,
  FrameToEdgeBinary: 8,
  /** Edge → owner: the client's WebSocket closed. */
  CloseToOwner: 9,
  /** Owner → edge: the session closed its transport; close the client's WebSocket. */
  CloseToEdge: 10,
  /** Edge → owner: the forwarder gave up on Poll `id` (its client left, its bound passed): release a held GET. */
  Abandon: 11,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** A polling request as it travels (the seam's `ForwardedPoll` without the body, which travels raw). */
export interface WirePoll {
  sid: string;
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  remoteAddress: string;
}

/** Head of an answer to a Poll: the owner's response, or why the owner could not serve it. */
export type WireAnswerHead = { status: number; headers: Record<string, string | string[]> } | { refused: string };

/** An upgrade an edge accepted for a session of the owner. */
export interface WireUpgrade {
  sid: string;
  url: string;
  headers: Record<string, string | string[]>;
  remoteAddress: string;
}

export interface WireOpened {
  adopted: boolean;
}

export interface Envelope {
  kind: MessageKind;
  from: string;
  id: number;
  seq: number;
  /** Decoded and validated JSON header (Poll, Answer, Open, Opened), undefined for frames and closes. */
  head: WirePoll | WireAnswerHead | WireUpgrade | WireOpened | undefined;
  /** Body bytes: a view into the message read from Redis, not a copy. */
  body: Buffer;
}

export interface DecodeFailure {
  error: string;
}

/** Encodes one message. `head` is JSON-encoded (only the four request/answer kinds carry one). */
export function encodeEnvelope(kind: MessageKind, from: string, id: number, seq: number, head: unknown, body?: Buffer | string): Buffer {
  const headBytes = head === undefined ? undefined : Buffer.from(JSON.stringify(head), "utf8");
  const bodyLength = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.length;
  const headLength = headBytes?.length ?? 0;
  const fixed = FIXED_BYTES + from.length;
  const message = Buffer.allocUnsafe(fixed + headLength + bodyLength);
  message[0] = ENVELOPE_VERSION;
  message[1] = kind;
  message[2] = from.length;
  message.write(from, 3, "latin1");
  message.writeUInt32BE(id >>> 0, 3 + from.length);
  message.writeUInt32BE(seq >>> 0, 7 + from.length);
  message.writeUInt32BE(headLength, 11 + from.length);
  let offset = fixed;
  if (headBytes) offset += headBytes.copy(message, offset);
  if (typeof body === "string") message.write(body, offset, "utf8");
  else if (body) body.copy(message, offset);
  return message;
}

/** Largest JSON header accepted: request lines and headers, never bodies. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** Decodes and validates one message read from Redis. Never throws. */
export function decodeEnvelope(message: Buffer): Envelope | DecodeFailure {
  if (!Buffer.isBuffer(message) || message.length < FIXED_BYTES + 1) return { error: `message too short (${message?.length} bytes)` };
  if (message[0] !== ENVELOPE_VERSION) return { error: `unknown envelope version ${message[0]}` };
  const kind = message[1] as MessageKind;
  if (!(kind >= MessageKind.Poll && kind <= MessageKind.Abandon)) return { error: `unknown message kind ${kind}` };
  const fromLength = message[2];
  const fixed = FIXED_BYTES + fromLength;
  if (fromLength === 0 || fromLength > MAX_NODE_ID || message.length < fixed) return { error: `invalid node id length ${fromLength}` };
  const from = message.toString("latin1", 3, 3 + fromLength);
  if (!isNodeId(from)) return { error: "invalid sender node id" };
  const id = message.readUInt32BE(3 + fromLength);
  const seq = message.readUInt32BE(7 + fromLength);
  const headLength = message.readUInt32BE(11 + fromLength);
  if (headLength > MAX_HEAD_BYTES || fixed + headLength > message.length) {
    return { error: `header length ${headLength} out of bounds (message of ${message.length} bytes)` };
  }
  const body = message.subarray(fixed + headLength);
  const carriesHead = kind <= MessageKind.Opened;
  if (!carriesHead) {
    if (headLength !== 0) return { error: `kind ${kind} carries no header (got ${headLength} bytes)` };
    const isFrame = kind >= MessageKind.FrameToOwnerText && kind <= MessageKind.FrameToEdgeBinary;
    if (!isFrame && body.length > 0) return { error: `kind ${kind} with a body` };
    return { kind, from, id, seq, head: undefined, body };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(message.toString("utf8", fixed, fixed + headLength));
  } catch {
    return { error: `kind ${kind}: header is not JSON` };
  }
  const head = validateHead(kind, raw);
  if (typeof head === "string") return { error: `kind ${kind}: ${head}` };
  if (kind === MessageKind.Poll && (head as WirePoll).method === "GET" && body.length > 0) return { error: "GET poll with a body" };
  if ((kind === MessageKind.Open || kind === MessageKind.Opened) && body.length > 0) return { error: `kind ${kind} with a body` };
  return { kind, from, id, seq, head, body };
}

export function isDecodeFailure(value: Envelope | DecodeFailure): value is DecodeFailure {
  return (value as DecodeFailure).error !== undefined;
}

// ---- header validation: exact shapes, nothing else accepted ----

const MAX_URL = 8 * 1024;
const MAX_HEADERS = 100;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

const isShortString = (value: unknown, max: number): value is string => typeof value === "string" && value.length <= max;

function validHeaders(value: unknown, allowLists: boolean): string | undefined {
  if (!isObject(value)) return "headers not an object";
  const names = Object.keys(value);
  if (names.length > MAX_HEADERS) return `too many headers (${names.length})`;
  for (const name of names) {
    const entry = value[name];
    if (typeof entry === "string") continue;
    if (allowLists && Array.isArray(entry) && entry.length <= MAX_HEADERS && entry.every((item) => typeof item === "string")) continue;
    return `header ${JSON.stringify(name.slice(0, 40))} has an invalid value`;
  }
  return undefined;
}

function validateHead(kind: MessageKind, raw: unknown): WirePoll | WireAnswerHead | WireUpgrade | WireOpened | string {
  if (!isObject(raw)) return "header not an object";
  switch (kind) {
    case MessageKind.Poll: {
      if (!isShortString(raw.sid, 256)) return "invalid sid";
      if (raw.method !== "GET" && raw.method !== "POST") return "invalid method";
      if (!isShortString(raw.url, MAX_URL)) return "invalid url";
      if (!isShortString(raw.remoteAddress, 256)) return "invalid remoteAddress";
      const invalid = validHeaders(raw.headers, false);
      if (invalid) return invalid;
      return raw as unknown as WirePoll;
    }
    case MessageKind.Answer: {
      if (raw.refused !== undefined) return isShortString(raw.refused, 1024) ? (raw as WireAnswerHead) : "invalid refusal";
      if (!Number.isInteger(raw.status) || (raw.status as number) < 100 || (raw.status as number) > 599) return "invalid status";
      const invalid = validHeaders(raw.headers, true);
      if (invalid) return invalid;
      return raw as unknown as WireAnswerHead;
    }
    case MessageKind.Open: {
      if (!isShortString(raw.sid, 256)) return "invalid sid";
      if (!isShortString(raw.url, MAX_URL)) return "invalid url";
      if (!isShortString(raw.remoteAddress, 256)) return "invalid remoteAddress";
      const invalid = validHeaders(raw.headers, true);
      if (invalid) return invalid;
      return raw as unknown as WireUpgrade;
    }
    default: {
      if (typeof raw.adopted !== "boolean") return "invalid adopted flag";
      return raw as unknown as WireOpened;
    }
  }
}
