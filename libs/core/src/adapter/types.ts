/**
 * The adapter's view of the server: small structural interfaces naming only what an adapter touches
 * on a namespace, a socket and a client. The server's classes satisfy them; the adapter layer never
 * imports the server (engine <- parser <- adapter <- server).
 */
import type { Packet } from "../parser/index.js";

/** Public socket id, known to every peer (used for private messages: `io.to(socketId)`). */
export type SocketId = string;
/** Private session id, known only to its client; it authorizes connection state recovery. */
export type PrivateSessionId = string;
export type Room = string;

export interface BroadcastFlags {
  volatile?: boolean;
  compress?: boolean;
  local?: boolean;
  broadcast?: boolean;
  binary?: boolean;
  timeout?: number;
  /** Set by RemoteSocket so that an ack on one socket yields one response, not an array. */
  expectSingleResponse?: boolean;
}

export interface BroadcastOptions {
  rooms: Set<Room>;
  except?: Set<Room>;
  flags?: BroadcastFlags;
}

/** What a socket leaves behind when it disconnects with recovery on. */
export interface SessionToPersist {
  sid: SocketId;
  pid: PrivateSessionId;
  rooms: Room[];
  data: unknown;
}

export type Session = SessionToPersist & {
  /** Event payloads (`[event, ...args, offset]`) the client missed, in emission order. */
  missedPackets: unknown[][];
};

/** Options the adapter passes along with pre-encoded frames to `client.writeToEngine`. */
export interface WriteOptions {
  preEncoded?: boolean;
  volatile?: boolean;
  compress?: boolean;
  /** A complete WebSocket text frame ("4" + packet), shared by every recipient of a broadcast. */
  wsPreEncodedFrame?: Buffer[] | Buffer;
}

export type EncodedPacket = string | Buffer | ArrayBuffer | ArrayBufferView;

export interface PacketEncoder {
  encode(packet: Packet): EncodedPacket[] | any[];
}

export interface AdapterClient {
  writeToEngine(encodedPackets: EncodedPacket[] | EncodedPacket, opts: WriteOptions): void;
}

export type AckCallback = (...args: any[]) => void;

export interface AdapterSocket {
  readonly id: SocketId;
  readonly client: AdapterClient;
  /** Pending acknowledgement callbacks by packet id. */
  readonly acks: Map<number, AckCallback>;
  readonly handshake: unknown;
  readonly rooms: Set<Room>;
  data: unknown;
  notifyOutgoingListeners?(packet: Packet): void;
  join(rooms: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): unknown;
}

export interface AdapterServerOptions {
  connectionStateRecovery?: {
    maxDisconnectionDuration?: number;
    skipMiddlewares?: boolean;
    maxPackets?: number;
    maxSessions?: number;
  };
  [key: string]: unknown;
}

export interface AdapterNamespace {
  readonly name: string;
  readonly sockets: Map<SocketId, AdapterSocket>;
  readonly server: { readonly encoder: PacketEncoder; readonly opts: AdapterServerOptions };
  /** Ack id counter shared by the namespace (a broadcast with ack uses one id for every recipient). */
  _ids: number;
  /** Delivers a server-side event received from another node. */
  _onServerSideEmit(args: unknown[]): void;
}
