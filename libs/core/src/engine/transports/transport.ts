/**
 * What a transport needs from its session, and what a session needs from a
 * transport. Transports call their owner directly instead of emitting events:
 * no listener arrays or bound closures per session.
 */
import type { IncomingMessage } from "node:http";
import type { Diagnostic } from "../diagnostics.js";
import type { ResolvedOptions, TransportName } from "../options.js";
import type { Packet, PacketType, RawData, SendData } from "../packet.js";
import type { SharedMessage } from "../shared-message.js";

export interface TransportOwner {
  /** A message packet (the hot path: no packet object is built for it). */
  onTransportMessage(transport: Transport, data: RawData): void;
  /** Any other packet (open/close excluded), including `error` for undecodable input. */
  onTransportPacket(transport: Transport, packet: Packet): void;
  /** The transport became writable (a polling GET arrived). */
  onTransportReady(transport: Transport): void;
  /** The transport failed; `description` says how (which limit, which request). */
  onTransportError(transport: Transport, description: string | Error): void;
  /** The peer closed the transport. */
  onTransportClose(transport: Transport): void;
  /**
   * The transport refused something on its own (a limit, a protocol violation): report it once,
   * completed with the session's id, remote address and transport. Whether the session closes
   * is said separately (`onTransportError`).
   */
  onTransportRefusal(transport: Transport, refusal: TransportRefusal): void;
}

/**
 * A transport failure as the reference reports it in the session's `close` (and the Socket.IO
 * `disconnect`) description: an Error whose `type` is "TransportError".
 */
export class TransportError extends Error {
  readonly type = "TransportError";
}

/** The owner of a transport that has no session yet (or no longer one): hears nothing. */
export const NO_OWNER: TransportOwner = Object.freeze({
  onTransportMessage() {},
  onTransportPacket() {},
  onTransportReady() {},
  onTransportError() {},
  onTransportClose() {},
  onTransportRefusal() {},
});

/** A diagnostic as a transport knows it: the session's fields are added by its owner. */
export type TransportRefusal = Omit<Diagnostic, "sid" | "remoteAddress" | "transport">;

export interface Transport {
  readonly name: TransportName;
  /** Whether packets may be handed over now (a WebSocket that is open, a pending polling GET). */
  readonly acceptsWrites: boolean;
  /**
   * Whether a packet written now goes out at once: `acceptsWrites`, and no earlier write still in
   * progress (the reference's meaning; `volatile` packets are dropped when it is false).
   */
  readonly writable: boolean;
  /**
   * Bytes handed to this transport that have not reached the kernel yet (the WebSocket's unsent
   * data, the unsent part of the polling response in flight). Checked on every send: cheap.
   */
  readonly unsentBytes: number;
  owner: TransportOwner;
  /** Writes packets in order; `onSent` runs once they are handed to the network. */
  send(packets: Packet[], onSent?: () => void): void;
  /** Closes the transport; `callback` runs once it is closed on our side. */
  close(callback?: () => void): void;
  /** Marks the transport as replaced by an upgrade: closing it must not send a close packet. */
  discard(): void;
  /**
   * Ends the transport at once, dropping whatever is still unsent (the memory it pins is freed
   * now, no close handshake is waited for). The owner is not called back any more.
   */
  terminate(): void;
}

/** A transport that can write one packet without a buffer (WebSocket). */
export interface DirectTransport extends Transport {
  /**
   * `preFramed`: the message's complete frame, given by the sender (`PacketOptions.wsPreEncodedFrame`),
   * or the broadcast message whose frame is built once for every recipient (`SharedMessage`).
   */
  sendDirect(
    type: PacketType,
    data: SendData | undefined,
    compress: boolean,
    onSent?: () => void,
    preFramed?: Buffer | Buffer[] | SharedMessage,
  ): void;
}

/** What the transports need from the engine server. */
export interface TransportContext {
  readonly opts: ResolvedOptions;
  /** Lets `headers` / `initial_headers` listeners (and the cookie option) edit response headers. */
  emitResponseHeaders(headers: Record<string, string | string[]>, req: IncomingMessage, newSessionId: string | undefined): void;
}

/** The request with its parsed query, as the reference engine stores it (`req._query`). */
export interface EngineRequest extends IncomingMessage {
  _query: Record<string, string>;
}
