import createDebug from "debug";
import type { AckCallback, Adapter, AdapterNamespace, BroadcastFlags, RecoveryOptions, Room, Session, SocketId } from "../adapter/index.js";
import type { Packet } from "../parser/index.js";
import { BroadcastOperator, type RemoteSocket } from "./broadcast-operator.js";
import { runMiddlewareChain } from "./middleware-chain.js";
import type { Client } from "./client.js";
import { isLegacyConnection, legacyConnectError } from "./legacy-protocol.js";
import { OutgoingMessage } from "./outgoing-message.js";
import type { ServerOf } from "./parents.js";
import { assertNotReserved, NAMESPACE_RESERVED_EVENTS } from "./reserved-events.js";
import { Socket } from "./socket.js";
import { connectionChannel, packetChannel } from "./tracing.js";
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
  type RemoveAcknowledgements,
} from "./typed-events.js";

const debug = createDebug("sockline:namespace");

declare module "./parents.js" {
  // `socket.nsp` is typed with this class (see parents.ts)
  interface Parents<ListenEvents extends EventsMap, EmitEvents extends EventsMap, ServerSideEvents extends EventsMap, SocketData> {
    namespace: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  }
}

export interface ExtendedError extends Error {
  data?: any;
}

export interface NamespaceReservedEvents<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> {
  connect: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
  connection: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** Connection middleware: `next()` lets the socket in, `next(err)` answers CONNECT_ERROR {message, data}. */
export type ConnectionMiddleware<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> = (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, next: (err?: ExtendedError) => void) => void;

/** Options of `use(fn, options)` (a Sockline extension: the reference's `use` takes the function only). */
export interface MiddlewareOptions {
  /**
   * Also run this middleware for a socket whose session is recovered, which by default
   * (`connectionStateRecovery.skipMiddlewares`, the reference's default) skips the middlewares.
   * For authorization: a token may have expired or been revoked while the client was away; a
   * refusal then answers `connect_error` instead of restoring the session. Default false.
   */
  runOnRecovery?: boolean;
}

/** The operators of a namespace: every socket, answers to acks arrive as arrays (one per recipient). */
type Operator<EmitEvents extends EventsMap, SocketData> = BroadcastOperator<
  DecorateAcknowledgementsWithMultipleResponses<EmitEvents>,
  SocketData
>;

/**
 * A communication channel (`/`, `/admin`...) multiplexed over the connections: its own sockets,
 * middlewares, rooms (through its adapter) and events. It implements the adapter's contract
 * (`AdapterNamespace`): the adapter picks the recipients, the namespace writes to them.
 */
export class Namespace<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = DefaultEventsMap,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    SocketData = any,
  >
  extends StrictEventEmitter<
    ServerSideEvents,
    RemoveAcknowledgements<EmitEvents>,
    NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >
  implements AdapterNamespace
{
  readonly name: string;
  readonly sockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** @internal Sockets that passed no middleware yet (or are being restored). */
  _preConnectSockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  adapter!: Adapter;
  readonly server: ServerOf<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** @internal */
  protected _fns: ConnectionMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] = [];
  /** @internal The middlewares of `_fns` (same order) that run for recovered sockets too (`runOnRecovery`). */
  protected _recoveryFns: ConnectionMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] = [];
  /** Ack id counter (the reference's: its adapters read and increment it for broadcasts with acks). */
  _ids = 0;
  /** @internal Called once the namespace is empty again, when it is a child namespace removed when empty. */
  _onEmpty: (() => void) | undefined;
  /** CONNECTs on their way in (recovery lookup, middlewares): a namespace is not empty while one is. */
  private joining = 0;

  constructor(server: ServerOf<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, name: string) {
    super();
    this.server = server;
    this.name = name;
    this._initAdapter();
  }

  /** @internal (Re)creates the adapter from the server's adapter constructor. */
  _initAdapter(): void {
    const AdapterCtor: AdapterConstructor = this.server.adapter();
    this.adapter = new AdapterCtor(this);
    Promise.resolve(this.adapter.init()).catch((err) => debug("namespace %s: adapter init failed: %s", this.name, err));
  }

  use(fn: ConnectionMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, options?: MiddlewareOptions): this {
    this._fns.push(fn);
    if (options?.runOnRecovery) this._recoveryFns.push(fn);
    return this;
  }

  /** @internal Whether `fn` was added with `runOnRecovery`. */
  _runsOnRecovery(fn: ConnectionMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): boolean {
    return this._recoveryFns.includes(fn);
  }

  /** @internal Lets a client in: restore or create its socket, run the middlewares, then connect it. */
  async _add(
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown>,
    onConnected?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
    onSettled?: () => void,
  ): Promise<void> {
    this.joining++;
    const settled = (): void => {
      this.joining--;
      onSettled?.();
    };
    let socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
    try {
      socket = await this.createSocket(client, auth);
    } catch (err) {
      settled();
      this.emptied();
      throw err;
    }
    this._preConnectSockets.set(socket.id, socket);
    // A recovered socket skips the middlewares (by default), except those added with `runOnRecovery`.
    const chain = this.server.opts.connectionStateRecovery?.skipMiddlewares && socket.recovered ? this._recoveryFns : this._fns;
    if (chain === this._recoveryFns && chain.length === 0 && client.conn.readyState === "open") {
      this._doConnect(socket, onConnected);
      settled();
      return;
    }
    // A copy, as middlewares may be added while the chain runs (no copy for the common empty list: the connect path is hot).
    const fns = chain.length === 0 ? chain : chain.slice();
    runMiddlewareChain(fns, socket, (err?: ExtendedError) => {
      process.nextTick(() => {
        settled();
        if (client.conn.readyState !== "open") {
          debug("namespace %s: connection of socket %s closed during middlewares", this.name, socket.id);
          socket._cleanup();
          return;
        }
        if (err) {
          debug("namespace %s: middleware refused socket %s: %s", this.name, socket.id, err.message);
          socket._cleanup();
          // a socket.io-client 2.x connection gets the reference's protocol 4 ERROR payload
          socket._error(isLegacyConnection(client.conn) ? legacyConnectError(err) : { message: err.message, data: err.data });
          return;
        }
        this._doConnect(socket, onConnected);
      });
    });
  }

  private async createSocket(
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown>,
  ): Promise<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    const { pid, offset } = auth;
    if (this.server.opts.connectionStateRecovery && typeof pid === "string" && typeof offset === "string") {
      this.server._metrics.recoveryAttempts++;
      let session: Session | null = null;
      try {
        session = await this.adapter.restoreSession(pid, offset);
      } catch (err) {
        debug("namespace %s: restoring session failed: %s", this.name, err);
      }
      if (session) {
        debug("namespace %s: connection state recovered for socket %s", this.name, session.sid);
        this.server._metrics.recoverySuccesses++;
        return new Socket(this, client, auth, session);
      }
    }
    return new Socket(this, client, auth);
  }

  /** @internal */
  _doConnect(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    onConnected?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): void {
    this._preConnectSockets.delete(socket.id);
    this.sockets.set(socket.id, socket);
    socket._onConnect();
    if (connectionChannel.hasSubscribers) connectionChannel.publish({ socket, nsp: this.name, recovered: socket.recovered });
    if (onConnected) onConnected(socket);
    this.emitReserved("connect", socket);
    this.emitReserved("connection", socket);
  }

  /** @internal Fires `new_namespace` (on the main namespace, which the server's listeners are attached to). */
  _emitNewNamespace(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.emitUntyped("new_namespace", nsp);
  }

  /** @internal */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.sockets.delete(socket.id) || this._preConnectSockets.delete(socket.id);
    this.emptied();
  }

  /** @internal No socket, connected or on its way in. */
  _isEmpty(): boolean {
    return this.sockets.size === 0 && this._preConnectSockets.size === 0 && this.joining === 0;
  }

  private emptied(): void {
    if (this._onEmpty !== undefined && this._isEmpty()) this._onEmpty();
  }

  // ---- the adapter's operations (see `AdapterNamespace`) ----

  get connectionStateRecovery(): RecoveryOptions | undefined {
    return this.server.opts.connectionStateRecovery;
  }

  sendMany(ids: Iterable<SocketId>, packet: Packet, flags: BroadcastFlags | undefined): void {
    const message = new OutgoingMessage(this.server.encoder, packet, flags);
    const traced = packetChannel.hasSubscribers;
    let count = 0;
    for (const id of ids) {
      const socket = this.sockets.get(id);
      if (socket === undefined) continue;
      count++;
      socket.notifyOutgoingListeners(packet);
      socket.client._writeMessage(message);
      if (traced) packetChannel.publish({ direction: "out", packet, socket, broadcast: true });
    }
    this.server._metrics.broadcast(packet.type, count);
  }

  sendManyWithAck(ids: Iterable<SocketId>, packet: Packet, flags: BroadcastFlags | undefined, ack: AckCallback): number {
    // One id for every recipient is safe: this counter never hands it out again.
    const id = this._ids++;
    packet.id = id;
    const message = new OutgoingMessage(this.server.encoder, packet, flags);
    const timeout = flags?.timeout;
    const recipients: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] | undefined = timeout === undefined ? undefined : [];
    const traced = packetChannel.hasSubscribers;
    let count = 0;
    for (const socketId of ids) {
      const socket = this.sockets.get(socketId);
      if (socket === undefined) continue;
      count++;
      socket.acks.set(id, ack);
      recipients?.push(socket);
      socket.notifyOutgoingListeners(packet);
      socket.client._writeMessage(message);
      if (traced) packetChannel.publish({ direction: "out", packet, socket, broadcast: true });
    }
    this.server._metrics.broadcast(packet.type, count);
    // Past the timeout nobody waits for the answers any more (on this node, or on the node that
    // broadcast): their callbacks are dropped rather than held until the sockets close.
    if (recipients !== undefined && recipients.length > 0) setTimeout(forgetAck, timeout, recipients, id).unref();
    return count;
  }

  localSockets(ids: Iterable<SocketId>): Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] {
    const found: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] = [];
    for (const id of ids) {
      const socket = this.sockets.get(id);
      if (socket !== undefined) found.push(socket);
    }
    return found;
  }

  /** An operator on every socket of this namespace. */
  private operator(): Operator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter);
  }

  to(room: Room | Room[]): Operator<EmitEvents, SocketData> {
    return this.operator().to(room);
  }

  in(room: Room | Room[]): Operator<EmitEvents, SocketData> {
    return this.operator().in(room);
  }

  except(room: Room | Room[]): Operator<EmitEvents, SocketData> {
    return this.operator().except(room);
  }

  /** Sends an event to every socket of the namespace. */
  override emit<Ev extends EventNames<RemoveAcknowledgements<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<RemoveAcknowledgements<EmitEvents>, Ev>
  ): boolean {
    return (this.operator().emit as (...a: unknown[]) => boolean)(ev, ...args);
  }

  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    return (this.operator().emitWithAck as (...a: unknown[]) => Promise<any>)(ev, ...(args as unknown[]));
  }

  send(...args: EventParams<EmitEvents, any>): this {
    (this.emit as (...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** An alias of `send`, as in the reference. */
  write(...args: EventParams<EmitEvents, any>): this {
    return this.send(...args);
  }

  /** Sends an event to the other servers of the cluster (their namespace of the same name). */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<ServerSideEvents, Ev>): boolean {
    assertNotReserved(NAMESPACE_RESERVED_EVENTS, ev);
    this.adapter.serverSideEmit([ev, ...args]);
    return true;
  }

  /** Promise form: resolves with one response per other server (none on a single node). */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return new Promise((resolve, reject) => {
      (args as unknown[]).push((err: (Error & { responses?: unknown[] }) | null, responses: any) => {
        if (err) {
          err.responses = responses;
          reject(err);
        } else {
          resolve(responses);
        }
      });
      (this.serverSideEmit as (...a: unknown[]) => boolean)(ev, ...(args as unknown[]));
    });
  }

  /** Called by the adapter with an event another server sent (the reference's name: cluster adapters call it). */
  _onServerSideEmit(args: [string, ...any[]]): void {
    this.emitUntypedArray(args);
  }

  allSockets(): Promise<Set<SocketId>> {
    return this.operator().allSockets();
  }

  compress(compress: boolean): Operator<EmitEvents, SocketData> {
    return this.operator().compress(compress);
  }

  get volatile(): Operator<EmitEvents, SocketData> {
    return this.operator().volatile;
  }

  get local(): Operator<EmitEvents, SocketData> {
    return this.operator().local;
  }

  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>, SocketData> {
    type WithTimeout = DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>;
    return new BroadcastOperator<WithTimeout, SocketData>(this.adapter, undefined, undefined, { timeout });
  }

  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter).fetchSockets();
  }

  socketsJoin(room: Room | Room[]): void {
    this.operator().socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): void {
    this.operator().socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.operator().disconnectSockets(close);
  }
}

/** An adapter class, or a function called with `new` that returns an adapter (what `createAdapter()`s return). */
type AdapterConstructor = new (nsp: AdapterNamespace) => Adapter;

function forgetAck(sockets: Socket<any, any, any, any>[], id: number): void {
  // an answer still awaited past the timeout is a timed-out ack
  for (const socket of sockets) if (socket._deleteAck(id)) socket.server._metrics.acks.timedOut++;
}
