import createDebug from "debug";
import { Adapter, type BroadcastOptions } from "../adapter/index.js";
import type { Packet } from "../parser/index.js";
import type { RemoteSocket } from "./broadcast-operator.js";
import { Namespace } from "./namespace.js";
import type { Server } from "./server.js";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap, RemoveAcknowledgements } from "./typed-events.js";

const debug = createDebug("sockline:namespace");

/**
 * Broadcasts of a parent namespace go to each of its children, through each child's own adapter (so
 * a cluster adapter on the children still sees them).
 */
class ParentBroadcastAdapter extends Adapter {
  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    for (const child of (this.nsp as ParentNamespace).children) {
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
 */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  readonly children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) {
    super(server, "/_" + parentCount++);
  }

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
    if (this.server.opts.cleanupEmptyChildNamespaces) {
      child._onEmpty = () => {
        debug("closing empty child namespace %s", name);
        child.adapter.close();
        this.server._nsps.delete(child.name);
        this.children.delete(child);
      };
    }
    this.server._nsps.set(name, child);
    this.server.sockets._emitNewNamespace(child);
    return child;
  }

  override fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    // Children may live on other nodes; there is no single adapter to ask.
    throw new Error("fetchSockets() is not supported on parent namespaces");
  }
}
