/**
 * The adapter's contract with the server: the operations an adapter asks of its namespace
 * (`AdapterNamespace`) and the shapes they exchange. The server implements the contract; the adapter
 * layer never imports the server (engine <- parser <- adapter <- server).
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

export type AckCallback = (...args: any[]) => void;

/** A socket as the adapter hands it out (`fetchSockets`, `addSockets`...): its details and public operations. */
export interface AdapterSocket {
  readonly id: SocketId;
  readonly handshake: unknown;
  readonly rooms: Set<Room>;
  data: unknown;
  join(rooms: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): unknown;
}

/** The server's connection state recovery settings, as the session-aware adapters read them. */
export interface RecoveryOptions {
  maxDisconnectionDuration?: number;
  skipMiddlewares?: boolean;
  maxPackets?: number;
  maxSessions?: number;
}

/**
 * What an adapter needs from its namespace, as operations: the server's namespace implements them,
 * and the adapter needs nothing else from the server (the model is socketioxide's `SocketEmitter`).
 * The adapter owns the rooms and picks the recipients; the namespace owns the sockets, the packet
 * encoding, the acknowledgement ids and the writes (encoded once per broadcast, and framed once
 * over WebSocket by the engine).
 *
 * Adapters written for the reference (`socket.io-adapter` and the cluster adapters built on it)
 * receive the same namespace object and use its reference members instead (`sockets`,
 * `server.encoder`, `_ids`, `socket.client.writeToEngine`): the namespace keeps those too.
 */
export interface AdapterNamespace {
  /** The namespace's name ("/", "/chat"): set on every packet; cluster adapters name their channels after it. */
  readonly name: string;
  /** The server's connection state recovery settings; undefined when recovery is off. */
  readonly connectionStateRecovery: RecoveryOptions | undefined;
  /**
   * Writes `packet` to each socket of `ids` connected to this namespace on this node (other ids
   * are skipped): encoded once for all of them. `flags.volatile` drops it for a socket that cannot
   * write at once; `flags.compress === false` sends it uncompressed.
   */
  sendMany(ids: Iterable<SocketId>, packet: Packet, flags: BroadcastFlags | undefined): void;
  /**
   * Like `sendMany`, with an acknowledgement: gives `packet` an ack id (one for every recipient:
   * the namespace never hands it out again), registers `ack` under it on each recipient, and
   * returns the number of recipients, i.e. the answers to expect.
   */
  sendManyWithAck(ids: Iterable<SocketId>, packet: Packet, flags: BroadcastFlags | undefined, ack: AckCallback): number;
  /** The sockets of `ids` connected to this namespace on this node, in the order of `ids`. */
  localSockets(ids: Iterable<SocketId>): AdapterSocket[];
  /**
   * Delivers an event another node sent with `serverSideEmit` to this namespace's listeners (the
   * reference's name: cluster adapters call it).
   */
  _onServerSideEmit(args: unknown[]): void;
}
