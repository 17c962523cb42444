import { EventEmitter } from "node:events";
import createDebug from "debug";
import type { Packet } from "../parser/index.js";
import type {
  AckCallback,
  AdapterNamespace,
  AdapterSocket,
  BroadcastOptions,
  PrivateSessionId,
  Room,
  Session,
  SessionToPersist,
  SocketId,
} from "./types.js";

const debug = createDebug("sockline:adapter");

interface AdapterEvents {
  "create-room": [room: Room];
  "delete-room": [room: Room];
  "join-room": [room: Room, id: SocketId];
  "leave-room": [room: Room, id: SocketId];
  [event: string]: any[];
}

/** The recipients of a broadcast to a room nobody is in. */
const NOBODY: readonly SocketId[] = Object.freeze([]);

/**
 * The in-memory adapter: room membership for one namespace on one node, and the choice of the
 * local sockets an operation applies to. Delivery is its namespace's (see `AdapterNamespace`): the
 * adapter says to which socket ids, the namespace encodes and writes. Same public contract as
 * `socket.io-adapter`'s Adapter, so cluster adapters can extend it and override `broadcast`,
 * `fetchSockets`... while the server stays unchanged.
 */
export class Adapter extends EventEmitter<AdapterEvents> {
  rooms: Map<Room, Set<SocketId>> = new Map();
  sids: Map<SocketId, Set<Room>> = new Map();

  constructor(readonly nsp: AdapterNamespace) {
    super();
  }

  /** Hook for cluster adapters (subscribe to channels...). */
  init(): Promise<void> | void {}

  /** Hook for cluster adapters (unsubscribe, stop timers...). */
  close(): Promise<void> | void {}

  /** Number of Socket.IO servers in the cluster; one for this adapter. */
  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void {
    let joined = this.sids.get(id);
    if (!joined) {
      joined = new Set();
      this.sids.set(id, joined);
    }
    for (const room of rooms) {
      joined.add(room);
      let members = this.rooms.get(room);
      if (!members) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit("create-room", room);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emit("join-room", room, id);
      }
    }
  }

  del(id: SocketId, room: Room): Promise<void> | void {
    this.sids.get(id)?.delete(room);
    this.removeFromRoom(room, id);
  }

  delAll(id: SocketId): void {
    const joined = this.sids.get(id);
    if (!joined) return;
    for (const room of joined) this.removeFromRoom(room, id);
    this.sids.delete(id);
  }

  private removeFromRoom(room: Room, id: SocketId): void {
    const members = this.rooms.get(room);
    if (!members) return;
    if (members.delete(id)) this.emit("leave-room", room, id);
    if (members.size === 0 && this.rooms.delete(room)) this.emit("delete-room", room);
  }

  /** Sends one packet to every matching local socket (the namespace encodes it once for all of them). */
  broadcast(packet: Packet, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    this.nsp.sendMany(this.recipients(opts), packet, opts.flags);
  }

  /**
   * Like `broadcast`, but each recipient's answer goes to `ack` (under one packet id, which the
   * namespace allocates), then reports how many recipients there were.
   */
  broadcastWithAck(packet: Packet, opts: BroadcastOptions, clientCountCallback: (clientCount: number) => void, ack: AckCallback): void {
    packet.nsp = this.nsp.name;
    clientCountCallback(this.nsp.sendManyWithAck(this.recipients(opts), packet, opts.flags, ack));
  }

  sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    for (const socket of this.nsp.localSockets(this.recipients({ rooms }))) ids.add(socket.id);
    return Promise.resolve(ids);
  }

  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  fetchSockets(opts: BroadcastOptions): Promise<AdapterSocket[]> {
    return Promise.resolve(this.nsp.localSockets(this.recipients(opts)));
  }

  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    for (const socket of this.nsp.localSockets(this.recipients(opts))) socket.join(rooms);
  }

  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    for (const socket of this.nsp.localSockets(this.recipients(opts))) {
      for (const room of rooms) socket.leave(room);
    }
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    for (const socket of this.nsp.localSockets(this.recipients(opts))) socket.disconnect(close);
  }

  /**
   * The ids `opts` selects among this adapter's sockets: members of any of `opts.rooms` (every
   * socket when empty), minus members of any of `opts.except`, each once. A single room without
   * exceptions is its own member set (nothing is copied); the namespace iterates it as it writes,
   * which tolerates sockets leaving meanwhile. Ids of sockets not connected yet (a middleware may
   * join rooms) are left to the namespace, which skips them.
   */
  protected recipients(opts: BroadcastOptions): Iterable<SocketId> {
    const except = this.computeExceptSids(opts.except);
    const rooms = opts.rooms;
    if (rooms.size === 0) return except === undefined ? this.sids.keys() : without(this.sids.keys(), except);
    if (rooms.size === 1) {
      const [room] = rooms;
      const members = this.rooms.get(room!);
      if (members === undefined) return NOBODY;
      return except === undefined ? members : without(members, except);
    }
    const union = new Set<SocketId>();
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (!members) continue;
      for (const id of members) if (except === undefined || !except.has(id)) union.add(id);
    }
    return union;
  }

  protected computeExceptSids(exceptRooms: Set<Room> | undefined): Set<SocketId> | undefined {
    if (!exceptRooms || exceptRooms.size === 0) return undefined;
    const sids = new Set<SocketId>();
    for (const room of exceptRooms) {
      const members = this.rooms.get(room);
      if (members) for (const id of members) sids.add(id);
    }
    return sids;
  }

  /**
   * Sends an event to the other servers of the cluster. There are none here: listeners elsewhere never
   * run, and an acknowledgement callback (last argument) resolves at once with no responses.
   */
  serverSideEmit(packet: any[]): void {
    const last = packet[packet.length - 1];
    if (typeof last === "function") {
      debug("serverSideEmit on a single node: acknowledging with no responses");
      process.nextTick(last, null, []);
    }
  }

  /** Recovery is not supported by this adapter: sessions are dropped. */
  persistSession(_session: SessionToPersist): Promise<void> | void {}

  restoreSession(_pid: PrivateSessionId, _offset: string): Promise<Session | null> | null {
    return null;
  }
}

/** The ids of `ids` that are not in `except`. */
function without(ids: Iterable<SocketId>, except: Set<SocketId>): SocketId[] {
  const kept: SocketId[] = [];
  for (const id of ids) if (!except.has(id)) kept.push(id);
  return kept;
}
