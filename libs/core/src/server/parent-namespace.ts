import createDebug from "debug";
import { Adapter, type BroadcastOptions } from "../adapter/index.js";
import type { Packet } from "../parser/index.js";
import type { RemoteSocket } from "./broadcast-operator.js";
import { Namespace } from "./namespace.js";
import type { ServerOf } from "./parents.js";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap, RemoveAcknowledgements } from "./typed-events.js";

const debug = createDebug("sockline:namespace");

/**
 * Broadcasts of a parent namespace go to each of its children, through each child's own adapter (so
 * a cluster adapter on the children still sees them).
 */
class ParentBroadcastAdapter extends Adapter {
  constructor(private readonly parent: ParentNamespace<any, any, any, any>) {
    super(parent);
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    for (const child of this.parent.children) {
      // Each child adapter sets the namespace (and may append a recovery offset): give each its own copy.
      child.adapter.broadcast({ ...packet, data: Array.isArray(packet.data) ? [...packet.data] : packet.data }, opts);
    }
  }
}

let parentCount = 0;

/**
 * The namespace returned by `io.of(regex)` / `io.of(fn)`: it creates a child namespace for each
 * matching name a client asks for, hands it its middlewares and connection listeners, and broadcasts
 * to all its children.
 *
 * Children created for clients' CONNECTs are bounded (`maxChildNamespaces`) and, with
 * `cleanupEmptyChildNamespaces` (on by default), removed once empty: otherwise a client asking for
 * 10,000 names would leave 10,000 namespaces behind. A removed child is created afresh, with a new
 * `new_namespace` event, when a client asks for it again: listeners and middlewares set on children
 * belong in `new_namespace` (or on the parent), as with the reference. Children the application
 * created itself with `io.of(name)` are neither counted nor removed: it may have set its own
 * listeners and middlewares on them.
 */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  readonly children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** Children created for clients' CONNECTs, still here: what `maxChildNamespaces` bounds. */
  private createdForClients = 0;
  /** Empty children kept for connection state recovery, each with the timer that removes it. */
  private readonly lingering = new Map<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, NodeJS.Timeout>();

  constructor(server: ServerOf<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) {
    super(server, "/_" + parentCount++);
  }

  /** @internal */
  override _initAdapter(): void {
    this.adapter = new ParentBroadcastAdapter(this);
  }

  override emit<Ev extends EventNames<RemoveAcknowledgements<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<RemoveAcknowledgements<EmitEvents>, Ev>
  ): boolean {
    for (const child of this.children) child.emit(ev, ...args);
    return true;
  }

  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    debug("creating child namespace %s of %s", name, this.name);
    const child = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this.server, name);
    for (const fn of this._fns) child.use(fn, { runOnRecovery: this._runsOnRecovery(fn) });
    for (const listener of this.listeners("connect")) child.on("connect", listener);
    for (const listener of this.listeners("connection")) child.on("connection", listener);
    this.children.add(child);
    this.server._nsps.set(name, child);
    this.server.sockets._emitNewNamespace(child);
    return child;
  }

  /**
   * @internal The child for a client's CONNECT to `name`, or undefined when this parent already holds
   * `maxChildNamespaces` such children (the caller refuses the CONNECT).
   */
  _createChildForClient(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined {
    if (this.createdForClients >= this.server._limits.maxChildNamespaces) return undefined;
    this.createdForClients++;
    const child = this.createChild(name);
    if (this.server.opts.cleanupEmptyChildNamespaces) {
      const recovery = this.server.opts.connectionStateRecovery;
      // With recovery, a session that just left may come back within maxDisconnectionDuration:
      // its child (and the adapter that keeps its session) must still be there.
      const linger = recovery ? (recovery.maxDisconnectionDuration ?? 0) : 0;
      child._onEmpty = linger > 0 ? () => this.removeLater(child, linger) : () => this.removeChild(child);
    }
    return child;
  }

  /** How many children this parent created for clients and still holds. */
  get childrenCreatedForClients(): number {
    return this.createdForClients;
  }

  private removeLater(child: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, delay: number): void {
    clearTimeout(this.lingering.get(child));
    const timer = setTimeout(() => {
      this.lingering.delete(child);
      if (child._isEmpty()) this.removeChild(child);
    }, delay);
    // an empty namespace must not keep the process alive
    timer.unref();
    this.lingering.set(child, timer);
  }

  private removeChild(child: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    if (!this.children.delete(child)) return;
    debug("removing empty child namespace %s of %s", child.name, this.name);
    this.createdForClients--;
    child._onEmpty = undefined;
    clearTimeout(this.lingering.get(child));
    this.lingering.delete(child);
    if (this.server._nsps.get(child.name) === child) this.server._nsps.delete(child.name);
    Promise.resolve(child.adapter.close()).catch((err: unknown) => debug("closing the adapter of %s failed: %s", child.name, err));
  }

  override fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    // Children may live on other nodes; there is no single adapter to ask.
    throw new Error("fetchSockets() is not supported on parent namespaces");
  }
}
