import createDebug from "debug";
import type { Adapter, AckCallback, BroadcastFlags, PrivateSessionId, Room, Session, SocketId } from "../adapter/index.js";
import { PacketType, RESERVED_EVENTS, type Packet } from "../parser/index.js";
import { AckSender, AckTable, withTimeout } from "./acks.js";
import { AnyListeners, type AnyListener } from "./any-listeners.js";
import { BroadcastOperator } from "./broadcast-operator.js";
import { runMiddlewareChain } from "./middleware-chain.js";
import type { Client } from "./client.js";
import { buildHandshake, type Handshake } from "./handshake.js";
import { generateId } from "./ids.js";
import { isLegacyConnection, legacySocketId } from "./legacy-protocol.js";
import type { NamespaceOf, ServerOf } from "./parents.js";
import { assertNotReserved } from "./reserved-events.js";
import { ackChannel, disconnectChannel, handlerChannel, traceAck, traceHandler } from "./tracing.js";
import { RECOVERABLE_DISCONNECT_REASONS, type DisconnectReason, type EventMiddleware, type SocketReservedEvents } from "./socket-types.js";
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
} from "./typed-events.js";

const debug = createDebug("sockline:socket");

/** Write options shared by every plain emit (engines only read them). */
const WRITE_COMPRESSED = { compress: true };
const WRITE_UNCOMPRESSED = { compress: false };

/** The operators a socket hands out: answers to acks arrive as arrays (one per recipient). */
type Operator<EmitEvents extends EventsMap, SocketData> = BroadcastOperator<
  DecorateAcknowledgementsWithMultipleResponses<EmitEvents>,
  SocketData
>;

/**
 * One client's presence in one namespace. Per-socket state is kept small: the handshake, `data`, the
 * ack table, middlewares and catch-all listeners are created only when first used.
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<ListenEvents, EmitEvents, SocketReservedEvents> {
  readonly id: SocketId;
  /** Private session id (recovery on): lets this client claim its session back after a disconnection. */
  readonly pid: PrivateSessionId | undefined;
  readonly server: ServerOf<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  readonly adapter: Adapter;
  /** Whether this socket got back a previous session (id, rooms, data, missed packets). */
  recovered = false;
  connected = false;

  private _data: SocketData | undefined;
  private _handshake: Handshake | undefined;
  private readonly auth: Record<string, any>;
  private readonly issued = Date.now();
  private _acks: AckTable | undefined;
  private fns: EventMiddleware[] | undefined;
  private flags: BroadcastFlags | undefined;
  private anyIncoming: AnyListeners | undefined;
  private anyOutgoing: AnyListeners | undefined;
  private missedPackets: unknown[][] | undefined;
  private cleanedUp = false;

  constructor(
    readonly nsp: NamespaceOf<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    readonly client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, any>,
    previousSession?: Session,
  ) {
    super();
    this.server = nsp.server;
    this.adapter = nsp.adapter;
    this.auth = auth;
    if (previousSession) {
      this.id = previousSession.sid;
      this.pid = previousSession.pid;
      for (const room of previousSession.rooms) this.join(room);
      this._data = previousSession.data as SocketData;
      this.missedPackets = previousSession.missedPackets;
      this.recovered = true;
    } else {
      // Never the engine id: that one is a credential for the polling transport. Except for
      // socket.io-client 2.x, which derives its socket id from it (as the reference does).
      this.id = isLegacyConnection(client.conn) ? legacySocketId(nsp.name, client.conn.id) : generateId();
      this.pid = this.server.opts.connectionStateRecovery ? generateId() : undefined;
    }
  }

  /** Arbitrary data for the application; restored by connection state recovery, shared via fetchSockets. */
  get data(): SocketData {
    return (this._data ??= {} as SocketData);
  }

  set data(value: SocketData) {
    this._data = value;
  }

  get handshake(): Handshake {
    return (this._handshake ??= buildHandshake(this.request, this.conn.remoteAddress, this.issued, this.auth));
  }

  set handshake(value: Handshake) {
    this._handshake = value;
  }

  /** Pending acknowledgement callbacks by packet id (the reference's adapters register broadcast acks here). */
  get acks(): Map<number, AckCallback> {
    return (this._acks ??= new AckTable(
      this.server._limits.maxPendingAcks,
      (limit) => this.onAckOverflow(limit),
      this.server._metrics.acks,
    ));
  }

  /** @internal Acknowledgements this socket still awaits (for `io.metrics()`; 0 without creating the table). */
  get _pendingAcks(): number {
    return this._acks?.size ?? 0;
  }

  private onAckOverflow(limit: number): void {
    debug("socket %s: too many unacknowledged packets (limit maxPendingAcks=%d), closing", this.id, limit);
    const message = `socket ${this.id} left more than ${limit} acknowledgements unanswered (maxPendingAcks)`;
    this._onError(new Error(`too many unacknowledged packets (maxPendingAcks ${limit})`));
    const figures = { message, nsp: this.nsp.name, value: limit + 1, limit };
    process.nextTick(() => this.client._violation("maxPendingAcks", figures));
  }

  get request() {
    return this.client.request;
  }

  get conn() {
    return this.client.conn;
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  get rooms(): Set<Room> {
    return this.adapter.socketRooms(this.id) || new Set();
  }

  /**
   * Sends an event to this client. A function as last argument is an acknowledgement callback.
   * Throws on a reserved event name.
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    assertNotReserved(RESERVED_EVENTS, ev);
    const data: unknown[] = [ev, ...args];
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    const flags = this.flags;
    this.flags = undefined;
    if (typeof data[data.length - 1] === "function") {
      const id = this.nsp._ids++;
      debug("socket %s: emitting packet with ack id %d", this.id, id);
      const ack = data.pop() as AckCallback;
      this.registerAck(id, ackChannel.hasSubscribers ? traceAck(this, ev, id, flags?.timeout, ack) : ack, flags?.timeout);
      packet.id = id;
    }
    if (this.server.opts.connectionStateRecovery) {
      // Through the adapter so the packet gets an offset and is logged for replay.
      this.adapter.broadcast(packet, { rooms: new Set([this.id]), except: new Set(), flags: flags ?? {} });
    } else {
      this.notifyOutgoingListeners(packet);
      this.packet(packet, flags);
    }
    return true;
  }

  /** Promise form of an emit with acknowledgement (rejects on timeout when `timeout()` was used). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    const withErr = this.flags?.timeout !== undefined;
    return new Promise((resolve, reject) => {
      (args as unknown[]).push((arg1: any, arg2: any) => {
        if (!withErr) return resolve(arg1);
        return arg1 ? reject(arg1) : resolve(arg2);
      });
      (this.emit as (...a: unknown[]) => boolean)(ev, ...(args as unknown[]));
    });
  }

  private registerAck(id: number, ack: AckCallback, timeout: number | undefined): void {
    const table = this.acks;
    if (timeout === undefined) {
      table.set(id, ack);
      return;
    }
    table.set(
      id,
      withTimeout(table, id, ack, timeout, this, (ackId, ms) => {
        debug("socket %s: ack %d timed out after %d ms", this.id, ackId, ms);
        this.server._metrics.acks.timedOut++;
      }),
    );
  }

  send(...args: EventParams<EmitEvents, any>): this {
    (this.emit as (...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** An alias of `send`, as in the reference. */
  write(...args: EventParams<EmitEvents, any>): this {
    return this.send(...args);
  }

  /** Writes a packet of this namespace to the client (used for CONNECT, ACK, DISCONNECT...). */
  packet(packet: Packet, flags?: BroadcastFlags): void {
    packet.nsp = this.nsp.name;
    const opts =
      flags === undefined || (flags.volatile === undefined && flags.compress === undefined)
        ? WRITE_COMPRESSED
        : flags.volatile
          ? { volatile: true, compress: flags.compress !== false }
          : flags.compress === false
            ? WRITE_UNCOMPRESSED
            : WRITE_COMPRESSED;
    this.client._packet(packet, opts);
  }

  join(rooms: Room | Room[]): Promise<void> | void {
    if (this.cleanedUp) return;
    debug("socket %s: join %s", this.id, rooms);
    return this.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  leave(room: Room): Promise<void> | void {
    debug("socket %s: leave %s", this.id, room);
    return this.adapter.del(this.id, room);
  }

  private leaveAll(): void {
    this.adapter.delAll(this.id);
  }

  /** @internal Called by the namespace once the middlewares let the socket in. */
  _onConnect(): void {
    debug("socket %s: connected to %s", this.id, this.nsp.name);
    this.connected = true;
    this.join(this.id);
    if (isLegacyConnection(this.conn)) this.packet({ type: PacketType.CONNECT, nsp: this.nsp.name });
    else this.packet({ type: PacketType.CONNECT, nsp: this.nsp.name, data: { sid: this.id, pid: this.pid } });
    const missed = this.missedPackets;
    if (missed) {
      this.missedPackets = undefined;
      for (const data of missed) this.packet({ type: PacketType.EVENT, nsp: this.nsp.name, data });
    }
  }

  /** @internal Called (on a later tick) by the client for each packet addressed to this namespace. */
  _onPacket(packet: Packet): void {
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.onEvent(packet);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.onAck(packet);
        break;
      case PacketType.DISCONNECT:
        this.onDisconnect();
        break;
    }
  }

  private onEvent(packet: Packet): void {
    const args: unknown[] = packet.data || [];
    if (packet.id != null) args.push(new AckSender(this, packet.id).callback);
    if (this.anyIncoming) this.anyIncoming.call(this, args);
    this.dispatch(args);
  }

  /**
   * @internal Answers packet `id` of the client (through its `AckSender`, which calls this once). An answer
   * for a socket that has left its namespace would reach nobody: it is not written.
   */
  _answerAck(id: number, args: unknown[]): boolean {
    if (!this.connected) {
      debug("socket %s: ack %d answered after the disconnection, not sent", this.id, id);
      return false;
    }
    this.packet({ type: PacketType.ACK, nsp: this.nsp.name, id, data: args });
    return true;
  }

  private onAck(packet: Packet): void {
    const table = this._acks;
    const ack = table?.get(packet.id!);
    if (typeof ack !== "function") {
      debug("socket %s: ack %s matches no pending packet", this.id, packet.id);
      return;
    }
    table!.delete(packet.id!);
    this.server._metrics.acks.answered++;
    ack.apply(this, packet.data);
  }

  private onDisconnect(): void {
    this._onClose("client namespace disconnect");
  }

  /**
   * @internal Reports an error to the application. Without an `error` listener it is only logged: a middleware
   * error or a protocol violation must never crash the process (EventEmitter throws on unhandled
   * "error"), and not registering a no-op listener on every socket keeps sockets small.
   */
  _onError(err: Error): void {
    if (this.listenerCount("error") > 0) this.emitReserved("error", err);
    else debug("socket %s: error without listener: %s", this.id, err.message);
  }

  /** @internal Forgets a pending acknowledgement without creating the ack table when there is none. */
  _deleteAck(id: number): boolean {
    return this._acks?.delete(id) ?? false;
  }

  /** @internal Ends this socket's presence in the namespace (the connection itself may stay open). */
  _onClose(reason: DisconnectReason, description?: unknown): this | undefined {
    if (!this.connected) return this;
    debug("socket %s: closing, reason %s", this.id, reason);
    this.server._metrics.disconnected(reason);
    this.emitReserved("disconnecting", reason, description);
    if (
      this.server.opts.connectionStateRecovery &&
      RECOVERABLE_DISCONNECT_REASONS.has(reason) &&
      this.pid !== undefined &&
      !this.client._violated
    ) {
      this.adapter.persistSession({ sid: this.id, pid: this.pid, rooms: [...this.rooms], data: this._data ?? {} });
    }
    this._cleanup();
    this.client._remove(this);
    this.connected = false;
    if (disconnectChannel.hasSubscribers) disconnectChannel.publish({ socket: this, nsp: this.nsp.name, reason, description });
    this.emitReserved("disconnect", reason, description);
    return undefined;
  }

  /** @internal Leaves every room and the namespace; no later `join` has any effect. */
  _cleanup(): void {
    this.leaveAll();
    this.nsp._remove(this);
    this.cleanedUp = true;
  }

  /** @internal Sends CONNECT_ERROR (a middleware refused the connection). */
  _error(err: unknown): void {
    this.packet({ type: PacketType.CONNECT_ERROR, nsp: this.nsp.name, data: err });
  }

  /** Leaves this namespace (`close` = false) or closes the whole connection (`close` = true). */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client._disconnect();
    } else {
      this.packet({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this._onClose("server namespace disconnect");
    }
    return this;
  }

  compress(compress: boolean): this {
    (this.flags ??= {}).compress = compress;
    return this;
  }

  get volatile(): this {
    (this.flags ??= {}).volatile = true;
    return this;
  }

  /** Every socket of the namespace but this one. */
  get broadcast(): Operator<EmitEvents, SocketData> {
    return this.newBroadcastOperator();
  }

  get local(): Operator<EmitEvents, SocketData> {
    return this.newBroadcastOperator().local;
  }

  /** The next emit with an ack waits `timeout` ms at most; the ack then receives an error first. */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    (this.flags ??= {}).timeout = timeout;
    // the same socket: only the type of its next emit's ack changes
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData>;
  }

  to(room: Room | Room[]): Operator<EmitEvents, SocketData> {
    return this.newBroadcastOperator().to(room);
  }

  in(room: Room | Room[]): Operator<EmitEvents, SocketData> {
    return this.newBroadcastOperator().in(room);
  }

  except(room: Room | Room[]): Operator<EmitEvents, SocketData> {
    return this.newBroadcastOperator().except(room);
  }

  private newBroadcastOperator(): Operator<EmitEvents, SocketData> {
    const flags = { ...this.flags };
    this.flags = undefined;
    return new BroadcastOperator(this.adapter, new Set(), new Set([this.id]), flags);
  }

  /** Registers a per-packet middleware; an error it passes to `next` reaches this socket's `error` event. */
  use(fn: EventMiddleware): this {
    (this.fns ??= []).push(fn);
    return this;
  }

  private dispatch(event: unknown[]): void {
    const fns = this.fns;
    if (!fns || fns.length === 0) {
      // Already on a later tick (the client defers packets), so listeners can run now.
      this.deliver(event);
      return;
    }
    runMiddlewareChain(fns.slice(), event, (err) => {
      process.nextTick(() => {
        if (err) return this._onError(err);
        this.deliver(event);
      });
    });
  }

  private deliver(event: unknown[]): void {
    if (!this.connected) {
      debug("socket %s: packet received after disconnection ignored", this.id);
      return;
    }
    // A client may send an event named "error": with no listener, EventEmitter would throw it
    // (CVE-2024-38355). Drop it instead; the reference gets the same effect with a no-op listener.
    if (event[0] === "error" && this.listenerCount("error") === 0) {
      debug("socket %s: client 'error' event without listener ignored", this.id);
      return;
    }
    if (handlerChannel.hasSubscribers)
      traceHandler({ socket: this, nsp: this.nsp.name, event: event[0], args: event.slice(1) }, () => this.emitUntypedArray(event));
    else this.emitUntypedArray(event);
  }

  onAny(listener: AnyListener): this {
    (this.anyIncoming ??= new AnyListeners()).add(listener, false);
    return this;
  }

  prependAny(listener: AnyListener): this {
    (this.anyIncoming ??= new AnyListeners()).add(listener, true);
    return this;
  }

  offAny(listener?: AnyListener): this {
    this.anyIncoming?.remove(listener);
    return this;
  }

  listenersAny(): AnyListener[] {
    return this.anyIncoming?.all() ?? [];
  }

  onAnyOutgoing(listener: AnyListener): this {
    (this.anyOutgoing ??= new AnyListeners()).add(listener, false);
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    (this.anyOutgoing ??= new AnyListeners()).add(listener, true);
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    this.anyOutgoing?.remove(listener);
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return this.anyOutgoing?.all() ?? [];
  }

  /** Tells the outgoing catch-all listeners about a packet (the reference's adapters call it for broadcasts). */
  notifyOutgoingListeners(packet: Packet): void {
    if (this.anyOutgoing) this.anyOutgoing.call(this, packet.data);
  }
}
