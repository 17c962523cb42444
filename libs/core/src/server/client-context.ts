/**
 * What a `Client` (one engine connection) needs from its server, and what it writes. The server
 * hands every client one shared context instead of itself, as the engine hands its sessions a
 * `SessionContext`: the client module depends on no module above it.
 */
import type { Diagnostics } from "../engine/index.js";
import type { Packet } from "../parser/index.js";
import type { ServerMetrics } from "./metrics.js";
import type { ConnectDeadlineEntry, ConnectDeadlines } from "./connect-deadlines.js";
import type { DisconnectReason } from "./socket-types.js";

/** One encoded Socket.IO packet as the engine writes it: text, or a binary attachment. */
export type EncodedPacket = string | Buffer | ArrayBuffer | ArrayBufferView;

/** The packet encoder of the server (Sockline's, or a custom parser's with the `socket.io-parser` contract). */
export interface PacketEncoder {
  encode(packet: Packet): EncodedPacket[];
}

/** Options of `client.writeToEngine` (the reference's, which the reference adapters pass). */
export interface WriteOptions {
  /** The packet given to `_packet` is already encoded (a list of frames). */
  preEncoded?: boolean;
  /** Drop the packet rather than buffer it when the transport cannot write at once. */
  volatile?: boolean;
  compress?: boolean;
  /** A complete WebSocket frame of the message, built by the sender (the reference adapter's). */
  wsPreEncodedFrame?: Buffer[] | Buffer;
}

/** The decoder one connection uses (Sockline's, or a custom parser's). */
export interface PacketDecoder {
  add(chunk: unknown): void;
  destroy(): void;
  on(event: "decoded", listener: (packet: Packet) => void): unknown;
  removeListener?(event: "decoded", listener: (packet: Packet) => void): unknown;
  off?(event: "decoded", listener: (packet: Packet) => void): unknown;
  /** Only Sockline's decoder: attachments still awaited by a half-received binary packet. */
  readonly pendingAttachments?: number;
}

/** Sockline's decoder of a text frame that keeps no state, shared by every connection. */
export interface TextDecoder {
  decodeString(text: string): Packet;
}

/** A socket as its client sees it: what the client calls when packets arrive and when it closes. */
export interface ClientSocket {
  readonly id: string;
  readonly nsp: { readonly name: string };
  /** A packet for this socket's namespace, delivered on a later tick. */
  _onPacket(packet: Packet): void;
  _onError(err: Error): void;
  _onClose(reason: DisconnectReason, description?: unknown): unknown;
  disconnect(): unknown;
}

/** A namespace as a client sees it when it asks to join. */
export interface ClientNamespace<C, S extends ClientSocket> {
  readonly name: string;
  /**
   * Lets `client` in (connection state recovery, middlewares): `onConnected` gets the socket once
   * it is connected, `onSettled` runs once the attempt is over, whatever its outcome.
   */
  _add(client: C, auth: Record<string, unknown>, onConnected: (socket: S) => void, onSettled: () => void): Promise<void>;
}

/** The figures of a parent namespace that refused to create one more child. */
export interface ChildNamespacesFull {
  children: number;
  limit: number;
}

export interface ClientContext<C extends ConnectDeadlineEntry, S extends ClientSocket> {
  readonly encoder: PacketEncoder;
  /** Where the client reports the refusals it makes (see `Diagnostics`). */
  readonly diagnostics: Diagnostics;
  /** The server's counters: the client counts the packets it decodes and writes. */
  readonly metrics: ServerMetrics;
  /** Milliseconds a binary packet may wait for its attachments (`attachmentTimeout`). */
  readonly attachmentTimeout: number;
  /** Namespaces one connection may join or be joining at once (`maxNamespacesPerConnection`). */
  readonly maxNamespacesPerConnection: number;
  /** The decoder shared by every connection for its text frames; undefined with a custom parser. */
  sharedTextDecoder(): TextDecoder | undefined;
  /** A decoder of the connection's own: a custom parser's, or Sockline's for a binary packet. */
  createDecoder(): PacketDecoder;
  /** Where a new connection waits for its first namespace (`connectTimeout`). */
  connectDeadlines(): ConnectDeadlines<C>;
  /**
   * The namespace a CONNECT names: an existing one, or a child a parent namespace creates for it.
   * `found` gets false when there is none, with the parent's figures when it is full.
   */
  findNamespace(
    name: string,
    auth: Record<string, unknown>,
    found: (nsp: ClientNamespace<C, S> | false, full?: ChildNamespacesFull) => void,
  ): void;
}
