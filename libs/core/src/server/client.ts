import type { IncomingMessage } from "node:http";
import createDebug from "debug";
import type { Diagnostic } from "../engine/index.js";
import { PACKET_TYPE_NAMES, PacketType, type Packet } from "../parser/index.js";
import type { ClientContext, ClientNamespace, ClientSocket, EncodedPacket, PacketDecoder, WriteOptions } from "./client-context.js";
import type { EngineConnection } from "./engine-types.js";
import type { ConnectDeadlines } from "./connect-deadlines.js";
import { isLegacyConnection, parseLegacyConnect } from "./legacy-protocol.js";
import type { OutgoingMessage } from "./outgoing-message.js";
import { SocketsByNamespace } from "./sockets-by-namespace.js";
import { packetChannel } from "./tracing.js";
import type { DisconnectReason } from "./socket-types.js";
import type { DefaultEventsMap, EventsMap } from "./typed-events.js";

const debug = createDebug("sockline:client");

/** Where the Client hangs on its engine connection and decoder, so shared listeners can find it. */
const CLIENT = Symbol("sockline.client");

/** What a Socket.IO-level refusal reports; the client adds who it was (sid, address, transport). */
type Refusal = Pick<Diagnostic, "kind" | "name" | "message" | "action"> & Pick<Diagnostic, "nsp" | "packetType" | "value" | "limit">;

/** The decoder's names for its limits, as the server options that set them. */
const LIMIT_OPTION_OF_DECODER_LIMIT: Readonly<Record<string, string>> = { maxDepth: "maxPayloadDepth" };

type WithClient = { [CLIENT]: Client<any, any, any, any> };

// Listeners shared by every connection (no per-connection closures): `this` is the emitter.
function onConnData(this: WithClient, data: unknown): void {
  this[CLIENT].onData(data);
}
function onConnError(this: WithClient, err: Error): void {
  this[CLIENT].onError(err);
}
function onConnClose(this: WithClient, reason: DisconnectReason, description?: unknown): void {
  this[CLIENT].onClose(reason, description);
}
function onDecoded(this: WithClient, packet: Packet): void {
  this[CLIENT].onDecoded(packet);
}
function onAttachmentTimeout(client: Client<any, any, any, any>): void {
  client.onAttachmentTimeout();
}
function deliver(socket: ClientSocket, packet: Packet): void {
  socket._onPacket(packet);
}

/** An engine connection that takes shared messages (Sockline's engine, see `SharedMessage`). */
type SharedMessageConnection = EngineConnection & Required<Pick<EngineConnection, "sendShared">>;

/**
 * One engine connection: decodes its frames, routes packets to its sockets (one per namespace joined),
 * and writes encoded packets. Enforces the connection-level limits.
 */
// The event maps are the reference's public type parameters of `Client`; the client no longer needs them itself.
// biome-ignore-start lint/correctness/noUnusedVariables: kept for the reference's public type
export class Client<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> {
  // biome-ignore-end lint/correctness/noUnusedVariables: kept for the reference's public type
  readonly id: string;
  readonly conn: EngineConnection;
  /** What this client needs from its server (shared by every client of the server). */
  private readonly context: ClientContext<Client<any, any, any, any>, ClientSocket>;
  /**
   * A custom parser's decoder (one per connection, for its whole life), or, with the built-in parser,
   * one created when the connection sends its first binary packet (then kept: that client is likely
   * to send more). Until then text frames go through the server's shared decoder, so an idle
   * connection keeps no decoder.
   */
  private decoder: PacketDecoder | undefined;
  /** The socket of each namespace this connection joined (most join one: no Map until a second). */
  private readonly nsps = new SocketsByNamespace<ClientSocket>();
  /** Namespaces whose CONNECT is still being processed (middlewares, recovery lookup). */
  private connecting: Set<string> | undefined;
  /** Where this client waits for its first namespace (undefined once it joined one, or closed). */
  private connectDeadlines: ConnectDeadlines<Client<any, any, any, any>> | undefined;
  private attachmentTimer: NodeJS.Timeout | undefined;
  /** @internal Set when this connection broke a protocol rule or a limit: its sessions are not kept for recovery. */
  _violated = false;
  /** Whether the engine connection calls `onData`/`onClose` directly (Sockline's engine) instead of emitting. */
  private readonly directEngine: boolean;

  constructor(context: ClientContext<Client<any, any, any, any>, ClientSocket>, conn: EngineConnection) {
    this.context = context;
    this.conn = conn;
    this.id = conn.id;
    this.decoder = context.sharedTextDecoder() === undefined ? this.newDecoder() : undefined;
    // Sockline's engine calls us directly (no listener table per connection); other engines emit.
    const direct = conn as EngineConnection & { _setHandler?: (handler: Client<any, any, any, any> | null) => true };
    this.directEngine = typeof direct._setHandler === "function" && direct._setHandler(this);
    if (!this.directEngine) {
      (conn as unknown as WithClient)[CLIENT] = this;
      conn.on("data", onConnData);
      conn.on("error", onConnError);
      conn.on("close", onConnClose);
    }
    this.connectDeadlines = context.connectDeadlines();
    this.connectDeadlines.add(this);
    // socket.io-client 2.x never asks for the main namespace: it is connected to it at once (as the reference)
    if (isLegacyConnection(conn)) this.connect("/");
  }

  get request(): IncomingMessage {
    return this.conn.request;
  }

  /** Called by the connect deadlines queue when `connectTimeout` has passed. */
  onConnectTimeout(): void {
    const timeout = this.connectDeadlines?.timeout;
    this.connectDeadlines = undefined;
    if (this.nsps.size === 0) {
      debug("client %s joined no namespace within connectTimeout (%d ms), closing", this.id, timeout);
      this.report({
        kind: "limit",
        name: "connectTimeout",
        message: `the connection joined no namespace within ${timeout} ms`,
        action: "connection closed",
        limit: timeout,
      });
      this.close();
    }
  }

  /** Joins (or tries to join) a namespace on behalf of the client. */
  private connect(name: string, auth: Record<string, unknown> = {}): void {
    this.context.findNamespace(name, auth, (nsp, full) => {
      if (nsp) {
        debug("client %s: connecting to namespace %s", this.id, name);
        return this.doConnect(nsp, auth);
      }
      debug("client %s: namespace %s does not exist", this.id, name);
      if (full) {
        this.report({
          kind: "limit",
          name: "maxChildNamespaces",
          message: `CONNECT to ${name} would create a child namespace past the ${full.limit} its parent may hold`,
          action: "namespace refused (CONNECT_ERROR)",
          nsp: name,
          packetType: "CONNECT",
          value: full.children,
          limit: full.limit,
        });
      }
      // what the reference answers for a namespace that does not exist
      this._packet({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: "Invalid namespace" } });
    });
  }

  private doConnect(nsp: ClientNamespace<Client<any, any, any, any>, ClientSocket>, auth: Record<string, unknown>): void {
    const name = nsp.name;
    const connecting = (this.connecting ??= new Set());
    connecting.add(name);
    nsp
      ._add(
        this,
        auth,
        (socket) => {
          this.nsps.set(nsp.name, socket);
          this.stopConnectDeadline();
        },
        () => {
          connecting.delete(name);
          if (connecting.size === 0 && this.connecting === connecting) this.connecting = undefined;
        },
      )
      .catch((err) => debug("client %s: joining %s failed: %s", this.id, name, err));
  }

  /** @internal Disconnects every socket of this connection, then closes it. */
  _disconnect(): void {
    for (const socket of this.nsps.list()) socket.disconnect();
    this.nsps.clear();
    this.close();
  }

  /** @internal */
  _remove(socket: ClientSocket): void {
    if (this.nsps.get(socket.nsp.name) === socket) this.nsps.delete(socket.nsp.name);
  }

  /** Closes the engine connection (its sockets get "forced server close"). */
  close(): void {
    if (this.conn.readyState === "open") {
      debug("client %s: forcing transport close", this.id);
      this.conn.close();
      this.onClose("forced server close");
    }
  }

  /** Encodes and writes one packet, unless the connection is already closing. */
  _packet(packet: Packet, opts: WriteOptions & { preEncoded?: boolean } = {}): void {
    if (this.conn.readyState !== "open") {
      debug("client %s: connection not open, packet dropped", this.id);
      return;
    }
    // Older adapters passed already-encoded frames to socket.packet(); accept them as such.
    const encoded = opts.preEncoded ? (packet as unknown as EncodedPacket[]) : this.context.encoder.encode(packet);
    if (!opts.preEncoded) this.counted("out", packet);
    this.writeToEngine(encoded, opts);
  }

  /**
   * @internal Writes one recipient's copy of a broadcast (see `OutgoingMessage`): Sockline's engine
   * gets the shared message, whose WebSocket frame is built once for all recipients.
   */
  _writeMessage(message: OutgoingMessage): void {
    const conn = this.conn;
    if (message.opts.volatile && !conn.transport.writable) {
      debug("client %s: volatile packet dropped, transport not writable", this.id);
      return;
    }
    const shared = message.shared;
    if (shared !== undefined && conn.sendShared !== undefined) (conn as SharedMessageConnection).sendShared(shared);
    else this.writeFrames(message.frames, message.opts);
  }

  /**
   * Writes already-encoded frames. The reference's adapters call it once per recipient of a
   * broadcast (Sockline's adapter goes through its namespace instead: see `AdapterNamespace`).
   */
  writeToEngine(encodedPackets: EncodedPacket[] | EncodedPacket, opts: WriteOptions): void {
    if (opts.volatile && !this.conn.transport.writable) {
      debug("client %s: volatile packet dropped, transport not writable", this.id);
      return;
    }
    if (Array.isArray(encodedPackets)) this.writeFrames(encodedPackets, opts);
    else this.conn.write(encodedPackets, opts);
  }

  private writeFrames(frames: EncodedPacket[], opts: WriteOptions): void {
    for (let i = 0; i < frames.length; i++) this.conn.write(frames[i], opts);
  }

  private newDecoder(): PacketDecoder {
    const decoder = this.context.createDecoder();
    (decoder as unknown as WithClient)[CLIENT] = this;
    decoder.on("decoded", onDecoded);
    return decoder;
  }

  /** @internal */
  onData(data: unknown): void {
    let decoder = this.decoder;
    try {
      if (decoder === undefined) {
        if (typeof data === "string") {
          const packet = this.context.sharedTextDecoder()!.decodeString(data);
          if (packet.attachments === undefined) {
            this.onDecoded(packet);
            return;
          }
        }
        // a binary packet starts (or a stray binary frame, which the decoder refuses): reassemble it
        decoder = this.decoder = this.newDecoder();
      }
      decoder.add(data);
    } catch (err) {
      this.onProtocolError(err as Error);
      return;
    }
    const pending = decoder.pendingAttachments;
    if (pending === undefined) return;
    if (pending > 0) {
      this.attachmentTimer ??= setTimeout(onAttachmentTimeout, this.context.attachmentTimeout, this);
      return;
    }
    if (this.attachmentTimer) {
      clearTimeout(this.attachmentTimer);
      this.attachmentTimer = undefined;
    }
  }

  /** @internal */
  onAttachmentTimeout(): void {
    this.attachmentTimer = undefined;
    const timeout = this.context.attachmentTimeout;
    const missing = this.decoder?.pendingAttachments ?? 0;
    const err = Object.assign(
      new Error(`binary attachments did not arrive within attachmentTimeout (${timeout} ms): ${missing} still missing`),
      { limit: "attachmentTimeout", bound: timeout },
    );
    // what the half-received packet holds goes now
    this.decoder?.destroy();
    this.onProtocolError(err);
  }

  /**
   * A limit other than parsing was reached (e.g. maxPendingAcks): reports it and closes this
   * connection only. `figures.limit` is the bound, `figures.value` what was measured.
   */
  /** @internal */
  _violation(limit: string, figures: { message: string; nsp?: string; value?: number; limit?: number }): void {
    this._violated = true;
    debug("client %s: limit %s exceeded, closing the connection", this.id, limit);
    this.report({ kind: "limit", name: limit, action: "connection closed", ...figures });
    this.conn.close();
  }

  private onProtocolError(err: Error & { packetTypeName?: string; limit?: string; value?: number; bound?: number }): void {
    this._violated = true;
    debug(
      "client %s (sockets %o): invalid packet (type %s, limit %s): %s, closing the connection",
      this.id,
      this.nsps.list().map((s) => s.id),
      err.packetTypeName ?? "unknown",
      err.limit ?? "none",
      err.message,
    );
    const limit = err.limit;
    this.report({
      kind: limit === undefined ? "violation" : "limit",
      name: limit === undefined ? "invalid-packet" : (LIMIT_OPTION_OF_DECODER_LIMIT[limit] ?? limit),
      message: err.message,
      action: "connection closed",
      packetType: err.packetTypeName,
      value: err.value,
      limit: err.bound,
    });
    this.onError(err);
  }

  /** Counts a packet (in `io.metrics()`), and publishes it on `sockline:packet` when someone listens. */
  private counted(direction: "in" | "out", packet: Packet): void {
    if (direction === "in") this.context.metrics.packetIn(packet.type);
    else this.context.metrics.packetOut(packet.type);
    if (packetChannel.hasSubscribers) packetChannel.publish({ direction, packet, socket: this.nsps.get(packet.nsp) });
  }

  /** @internal */
  onDecoded(packet: Packet): void {
    this.counted("in", packet);
    const socket = this.nsps.get(packet.nsp);
    if (!socket && packet.type === PacketType.CONNECT) {
      if (isLegacyConnection(this.conn)) this.onLegacyConnect(packet.nsp);
      else this.onConnect(packet);
    } else if (socket && packet.type !== PacketType.CONNECT && packet.type !== PacketType.CONNECT_ERROR) {
      process.nextTick(deliver, socket, packet);
    } else {
      this.onUnexpectedPacket(packet, socket !== undefined);
    }
  }

  private onConnect(packet: Packet): void {
    // A repeated CONNECT while the first is still in the middlewares would create a second socket
    // that nothing tracks (it would never be closed): ignore it.
    if (this.connecting?.has(packet.nsp)) {
      debug("client %s: CONNECT to %s already in progress, ignored", this.id, packet.nsp);
      this.report({
        kind: "violation",
        name: "duplicate-connect",
        message: `a second CONNECT to ${packet.nsp} while the first is still being processed`,
        action: "packet ignored",
        nsp: packet.nsp,
        packetType: "CONNECT",
      });
      return;
    }
    if (this.atNamespaceLimit(packet.nsp)) return;
    this.connect(packet.nsp, packet.data ?? {});
  }

  /** Whether joining one more namespace would pass `maxNamespacesPerConnection` (then the CONNECT is refused, reported). */
  private atNamespaceLimit(name: string): boolean {
    const limit = this.context.maxNamespacesPerConnection;
    const joined = this.nsps.size + (this.connecting?.size ?? 0);
    if (joined < limit) return false;
    debug("client %s: CONNECT to %s refused, already %d namespaces (maxNamespacesPerConnection)", this.id, name, joined);
    this.report({
      kind: "limit",
      name: "maxNamespacesPerConnection",
      message: `CONNECT to ${name} while the connection is in ${joined} namespaces, the most it may join`,
      action: "namespace refused (CONNECT_ERROR)",
      nsp: name,
      packetType: "CONNECT",
      value: joined,
      limit,
    });
    this._packet({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: "Too many namespaces on this connection" } });
    return true;
  }

  /** socket.io-client 2.x: the namespace name of its CONNECT carries its query, the auth of this CONNECT. */
  private onLegacyConnect(nsp: string): void {
    const { name, auth } = parseLegacyConnect(nsp);
    const packet: Packet = { type: PacketType.CONNECT, nsp: name, data: auth };
    if (this.nsps.get(name) === undefined) this.onConnect(packet);
    else this.onUnexpectedPacket(packet, true);
  }

  /** A packet in an invalid state (a CONNECT to a joined namespace, a CONNECT_ERROR, a namespace not joined): closes. */
  private onUnexpectedPacket(packet: Packet, joined: boolean): void {
    this._violated = true;
    const type = PACKET_TYPE_NAMES[packet.type] ?? String(packet.type);
    debug("client %s: %s packet for namespace %s in an invalid state, closing", this.id, type, packet.nsp);
    this.report({
      kind: "violation",
      name: "unexpected-packet",
      message: joined
        ? `${type} for ${packet.nsp}, which this connection has already joined`
        : `${type} for ${packet.nsp}, which this connection has not joined`,
      action: "connection closed",
      nsp: packet.nsp,
      packetType: type,
    });
    this.close();
  }

  /** Reports a refusal the Socket.IO layer made on its own for this connection (see `Diagnostics`). */
  private report(refusal: Refusal): void {
    const conn = this.conn;
    this.context.diagnostics.report({ ...refusal, sid: this.id, remoteAddress: conn.remoteAddress, transport: conn.transport?.name });
  }

  /** @internal */
  onError(err: Error): void {
    for (const socket of this.nsps.list()) socket._onError(err);
    this.conn.close();
  }

  /** @internal */
  onClose(reason: DisconnectReason, description?: unknown): void {
    debug("client %s: closed, reason %s", this.id, reason);
    // Stop listening first: the engine may still report a later "close".
    this.destroy();
    for (const socket of this.nsps.list()) socket._onClose(reason, description);
    this.nsps.clear();
    this.decoder?.destroy();
  }

  private stopConnectDeadline(): void {
    if (this.connectDeadlines === undefined) return;
    this.connectDeadlines.delete(this);
    this.connectDeadlines = undefined;
  }

  private destroy(): void {
    if (this.directEngine) {
      (this.conn as unknown as { _setHandler(handler: null): true })._setHandler(null);
    } else {
      this.conn.removeListener("data", onConnData);
      this.conn.removeListener("error", onConnError);
      this.conn.removeListener("close", onConnClose);
    }
    if (this.decoder) {
      if (this.decoder.removeListener) this.decoder.removeListener("decoded", onDecoded);
      else this.decoder.off?.("decoded", onDecoded);
    }
    this.stopConnectDeadline();
    if (this.attachmentTimer) {
      clearTimeout(this.attachmentTimer);
      this.attachmentTimer = undefined;
    }
  }
}
