/**
 * The classic Pub/Sub wire protocol, byte-compatible with `@socket.io/redis-adapter` 8.x and
 * `@socket.io/redis-emitter`, so Sockline nodes, official Socket.IO nodes and emitters can share one cluster.
 *
 * Channels (prefix defaults to `socket.io`):
 * - `prefix#nsp#`            broadcast to the whole namespace (msgpack `[uid, packet, opts]`)
 * - `prefix#nsp#room#`       broadcast to exactly one room (same payload; lets nodes skip rooms they do not have)
 * - `prefix-request#nsp#`    requests to every node (JSON, or msgpack for BROADCAST with acks)
 * - `prefix-response#nsp#`   responses (every node receives them and keeps only its own request ids)
 * - `prefix-response#nsp#uid#` responses addressed to one node (when `publishOnSpecificResponseChannel` is on)
 */

/** Request and response types; the numbers are part of the wire format. */
export enum RequestType {
  SOCKETS = 0,
  ALL_ROOMS = 1,
  REMOTE_JOIN = 2,
  REMOTE_LEAVE = 3,
  REMOTE_DISCONNECT = 4,
  REMOTE_FETCH = 5,
  SERVER_SIDE_EMIT = 6,
  BROADCAST = 7,
  BROADCAST_CLIENT_COUNT = 8,
  BROADCAST_ACK = 9,
}

/** The uid `@socket.io/redis-emitter` puts in its messages: always a foreign sender. */
export const EMITTER_UID = "emitter";

/** Broadcast options as they travel: arrays instead of sets. */
export interface WireBroadcastOptions {
  rooms: string[];
  except?: string[];
  flags?: Record<string, unknown>;
}

/** Room filter of a request (`socketsJoin`, `fetchSockets`...). */
export interface WireFilter {
  rooms: string[];
  except: string[];
}

/** A Socket.IO packet as adapters exchange it (before the Socket.IO encoder). */
export interface WirePacket {
  type: number;
  nsp?: string;
  data?: unknown;
  id?: number;
  [key: string]: unknown;
}

/** Content of a message published on a broadcast channel. */
export type BroadcastMessage = [uid: string, packet: WirePacket, opts: WireBroadcastOptions];

/** A request published on the request channel. Fields depend on `type`; all are optional on the wire. */
export interface WireRequest {
  type: RequestType;
  uid?: string;
  requestId?: string;
  rooms?: string[];
  opts?: WireBroadcastOptions;
  close?: boolean;
  data?: unknown[];
  packet?: WirePacket;
  /** legacy single-socket form of REMOTE_JOIN / REMOTE_LEAVE / REMOTE_DISCONNECT */
  sid?: string;
  room?: string;
}

/** What a node reports about one of its sockets to `fetchSockets`. */
export interface RemoteSocketDetails {
  id: string;
  handshake: Record<string, unknown>;
  rooms: string[];
  data: unknown;
}

/** A response published on a response channel. */
export interface WireResponse {
  requestId?: string;
  type?: RequestType;
  sockets?: unknown[];
  rooms?: string[];
  data?: unknown;
  clientCount?: number;
  packet?: unknown;
}

/** Channel names of one namespace. */
export class ClassicChannels {
  /** `prefix#nsp#`: also the pattern root (`prefix#nsp#*`) every node subscribes to. */
  readonly broadcast: string;
  readonly request: string;
  readonly response: string;

  constructor(
    readonly prefix: string,
    readonly namespace: string,
  ) {
    this.broadcast = `${prefix}#${namespace}#`;
    this.request = `${prefix}-request#${namespace}#`;
    this.response = `${prefix}-response#${namespace}#`;
  }

  /** Channel of a broadcast: the single-room channel when exactly one room is targeted. */
  broadcastChannelFor(rooms: ReadonlySet<string> | readonly string[]): string {
    const list = [...rooms];
    return list.length === 1 ? `${this.broadcast}${list[0]}#` : this.broadcast;
  }

  /** The room encoded in a broadcast channel name; `""` for the namespace-wide channel, null for another channel. */
  roomOf(channel: string): string | null {
    if (!channel.startsWith(this.broadcast)) return null;
    if (channel.length === this.broadcast.length) return "";
    if (!channel.endsWith("#")) return null;
    return channel.slice(this.broadcast.length, -1);
  }

  /** Response channel dedicated to one node. */
  responseFor(uid: string): string {
    return `${this.response}${uid}#`;
  }
}
