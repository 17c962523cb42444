/**
 * The message format of `@socket.io/redis-streams-adapter` 0.3.x (the `ClusterAdapter` protocol of
 * `socket.io-adapter` 2.5): messages are `{ uid, nsp, type, data }`.
 *
 * - Broadcasts without ack and room changes (`socketsJoin`/`socketsLeave`/`disconnectSockets`) are appended to a Redis
 *   stream, so that a node can replay them (connection state recovery). Stream entries are flat string fields:
 *   `type` as decimal text and `data` as JSON, or as base64 msgpack when it holds binary data.
 * - Everything short-lived (requests expecting answers, their answers) goes through Pub/Sub as msgpack: requests on
 *   `prefix#nsp#`, answers on the requester's `prefix#nsp#uid#`.
 */
import * as msgpack from "notepack.io";

export enum MessageType {
  INITIAL_HEARTBEAT = 1,
  HEARTBEAT = 2,
  BROADCAST = 3,
  SOCKETS_JOIN = 4,
  SOCKETS_LEAVE = 5,
  DISCONNECT_SOCKETS = 6,
  FETCH_SOCKETS = 7,
  FETCH_SOCKETS_RESPONSE = 8,
  SERVER_SIDE_EMIT = 9,
  SERVER_SIDE_EMIT_RESPONSE = 10,
  BROADCAST_CLIENT_COUNT = 11,
  BROADCAST_ACK = 12,
  ADAPTER_CLOSE = 13,
}

export interface WireOptions {
  rooms: string[];
  except: string[];
  flags?: Record<string, unknown>;
}

/** One cluster message; `data` depends on `type`. */
export interface ClusterMessage {
  uid: string;
  nsp: string;
  type: MessageType;
  data?: any;
}

/** Stream entry fields, as stored by XADD. */
export interface StreamEntryFields {
  uid: string;
  nsp: string;
  type: string;
  data?: string;
}

/** Messages replayed from the stream; the others are only useful right now and go through Pub/Sub. */
export function isPersistent(message: Pick<ClusterMessage, "type" | "data">): boolean {
  switch (message.type) {
    case MessageType.BROADCAST:
      return message.data?.requestId === undefined;
    case MessageType.SOCKETS_JOIN:
    case MessageType.SOCKETS_LEAVE:
    case MessageType.DISCONNECT_SOCKETS:
      return true;
    default:
      return false;
  }
}

const MAY_CARRY_BINARY = new Set([
  MessageType.BROADCAST,
  MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT,
  MessageType.SERVER_SIDE_EMIT_RESPONSE,
  MessageType.BROADCAST_ACK,
]);

export function hasBinary(value: unknown, depth = 0): boolean {
  if (!value || typeof value !== "object" || depth > 100) return false;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some((item) => hasBinary(item, depth + 1));
  for (const key of Object.keys(value)) {
    if (hasBinary((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  return typeof toJSON === "function" && depth === 0 ? hasBinary(toJSON.call(value), depth + 1) : false;
}

/** Flattens a message into stream entry fields. */
export function toStreamEntry(message: ClusterMessage, onlyPlaintext: boolean): StreamEntryFields {
  const fields: StreamEntryFields = { uid: message.uid, nsp: message.nsp, type: String(message.type) };
  if (message.data !== undefined) {
    fields.data =
      !onlyPlaintext && MAY_CARRY_BINARY.has(message.type) && hasBinary(message.data)
        ? Buffer.from(msgpack.encode(message.data)).toString("base64")
        : JSON.stringify(message.data);
  }
  return fields;
}

/** Reads stream entry fields back into a message. Throws on malformed data. */
export function fromStreamEntry(fields: Partial<StreamEntryFields>): ClusterMessage {
  if (typeof fields.uid !== "string" || typeof fields.nsp !== "string" || typeof fields.type !== "string") {
    throw new Error("stream entry without uid, nsp or type");
  }
  const message: ClusterMessage = { uid: fields.uid, nsp: fields.nsp, type: Number.parseInt(fields.type, 10) };
  if (fields.data) {
    // JSON text of an object starts with "{", which base64 never produces for a msgpack map (first byte 0x8x/0xde)
    message.data = fields.data.startsWith("{") ? JSON.parse(fields.data) : msgpack.decode(Buffer.from(fields.data, "base64"));
  }
  return message;
}

/** Pub/Sub payload of an ephemeral message or a response. */
export function encodePubSub(message: ClusterMessage): Buffer {
  return Buffer.from(msgpack.encode(message));
}

export function decodePubSub(payload: Buffer): ClusterMessage {
  const message = msgpack.decode(payload) as ClusterMessage;
  if (!message || typeof message !== "object" || typeof message.type !== "number") {
    throw new Error("not a cluster message");
  }
  return message;
}

/** Raw XREAD/XRANGE entry: `[id, [field, value, field, value...]]`. */
export type RawStreamEntry = [id: string | Buffer, fields: Array<string | Buffer>];

export function parseRawEntry(entry: RawStreamEntry): { id: string; fields: Record<string, string> } {
  const [id, flat] = entry;
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return { id: String(id), fields };
}

/** Stream ids are `<ms>-<seq>`. */
export const STREAM_ID = /^[0-9]+-[0-9]+$/;

/** The smallest id after `id` (XRANGE bounds are inclusive, and `(` exclusive ranges need Redis 6.2). */
export function nextStreamId(id: string): string {
  const [time, sequence] = id.split("-");
  return `${time}-${BigInt(sequence!) + 1n}`;
}

/** Which stream a namespace uses when there are several (same hash as the reference, so nodes agree). */
export function streamNameFor(namespace: string, streamName: string, streamCount: number): string {
  if (streamCount <= 1) return streamName;
  let hash = 0;
  for (let i = 0; i < namespace.length; i++) {
    hash = hash * 31 + namespace.charCodeAt(i);
    hash |= 0;
  }
  return `${streamName}-${hash % streamCount}`;
}
