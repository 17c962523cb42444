import { EventEmitter } from "node:events";
import createDebug from "debug";
import type { Packet } from "../parser/index.js";
import type {
  AckCallback,
  AdapterNamespace,
  AdapterSocket,
  BroadcastOptions,
  EncodedPacket,
  PacketEncoder,
  PrivateSessionId,
  Room,
  Session,
  SessionToPersist,
  SocketId,
  WriteOptions,
} from "./types.js";
import { precomputeWsFrame } from "./ws-frame.js";

const debug = createDebug("sockline:adapter");

interface AdapterEvents {
  "create-room": [room: Room];
  "delete-room": [room: Room];
  "join-room": [room: Room, id: SocketId];
  "leave-room": [room: Room, id: SocketId];
  [event: string]: any[];
}

/**
 * The in-memory adapter: room membership for one namespace on one node, and delivery to the matching
 * local sockets. Same contract as `socket.io-adapter`'s Adapter, so cluster adapters can extend it and
 * override `broadcast`, `fetchSockets`... while the server stays unchanged.
 */
export class Adapter extends EventEmitter<AdapterEvents> {
  rooms: Map<Room, Set<SocketId>> = new Map();
  sids: Map<SocketId, Set<Room>> = new Map();
  protected readonly encoder: PacketEncoder;

  constructor(readonly nsp: AdapterNamespace | any) {
    super();
    this.encoder = nsp.server.encoder;
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

  /**
   * Sends one packet to every matching local socket. The packet is encoded once; every recipient gets
   * the same frames (and, over WebSocket, the same pre-built frame).
   */
  broadcast(packet: Packet, opts: BroadcastOptions): void {
    const flags = opts.flags;
    const writeOpts: WriteOptions = { preEncoded: true, volatile: flags?.volatile, compress: flags?.compress };
    packet.nsp = this.nsp.name;
    const encoded = this.encode(packet, writeOpts);
    let recipients = 0;
    this.apply(opts, (socket) => {
      if (++recipients === 2) this.shareWsFrame(encoded, writeOpts);
      if (typeof socket.notifyOutgoingListeners === "function") socket.notifyOutgoingListeners(packet);
      socket.client.writeToEngine(encoded, writeOpts);
    });
  }

  /**
   * Like `broadcast`, but registers `ack` for each recipient under one shared packet id, then reports
   * how many recipients there were.
   */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: AckCallback,
  ): void {
    const flags = opts.flags;
    const writeOpts: WriteOptions = { preEncoded: true, volatile: flags?.volatile, compress: flags?.compress };
    packet.nsp = this.nsp.name;
    // One id for every recipient is safe: the namespace counter never hands it out again.
    packet.id = this.nsp._ids++;
    const id = packet.id!;
    const encoded = this.encode(packet, writeOpts);
    let clientCount = 0;
    this.apply(opts, (socket) => {
      if (++clientCount === 2) this.shareWsFrame(encoded, writeOpts);
      socket.acks.set(id, ack);
      if (typeof socket.notifyOutgoingListeners === "function") socket.notifyOutgoingListeners(packet);
      socket.client.writeToEngine(encoded, writeOpts);
    });
    clientCountCallback(clientCount);
  }

  protected encode(packet: Packet, _writeOpts: WriteOptions): EncodedPacket[] {
    return this.encoder.encode(packet) as EncodedPacket[];
  }

  /**
   * Once a broadcast has a second recipient, also builds the complete WebSocket frame, shared through
   * the (shared) write options: the transport can then skip framing per recipient. The first
   * recipient's write sees it too, since engines read the options when they flush.
   */
  private shareWsFrame(encoded: EncodedPacket[], writeOpts: WriteOptions): void {
    if (encoded.length === 1 && typeof encoded[0] === "string") {
      writeOpts.wsPreEncodedFrame = precomputeWsFrame(encoded[0]);
    }
  }

  sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  fetchSockets(opts: BroadcastOptions): Promise<any[]> {
    const found: AdapterSocket[] = [];
    this.apply(opts, (socket) => found.push(socket));
    return Promise.resolve(found);
  }

  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => {
      socket.join(rooms);
    });
  }

  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => {
      for (const room of rooms) socket.leave(room);
    });
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.apply(opts, (socket) => {
      socket.disconnect(close);
    });
  }

  /**
   * Calls `callback` once for each connected local socket matching `opts`: members of any of
   * `opts.rooms` (all sockets when empty), minus members of any of `opts.except`.
   */
  protected apply(opts: BroadcastOptions, callback: (socket: AdapterSocket) => void): void {
    const sockets: Map<SocketId, AdapterSocket> = this.nsp.sockets;
    const except = this.computeExceptSids(opts.except);
    const rooms = opts.rooms;
    if (rooms.size === 0) {
      // Map and Set iteration tolerates deletions, so callbacks may disconnect or move sockets.
      for (const socket of sockets.values()) {
        if (except === undefined || !except.has(socket.id)) callback(socket);
      }
      return;
    }
    if (rooms.size === 1) {
      const [room] = rooms;
      const members = this.rooms.get(room!);
      if (!members) return;
      for (const id of members) {
        if (except?.has(id)) continue;
        const socket = sockets.get(id);
        if (socket) callback(socket);
      }
      return;
    }
    const seen = new Set<SocketId>();
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (!members) continue;
      for (const id of members) {
        if (seen.has(id) || except?.has(id)) continue;
        const socket = sockets.get(id);
        if (socket) {
          seen.add(id);
          callback(socket);
        }
      }
    }
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
