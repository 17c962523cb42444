import createDebug from "debug";
import type { Adapter, AdapterSocket, BroadcastFlags, Room, SocketId } from "../adapter/index.js";
import { PacketType, RESERVED_EVENTS, type Packet } from "../parser/index.js";
import type { Handshake } from "./handshake.js";
import { assertNotReserved } from "./reserved-events.js";
import type {
  AllButLast,
  DecorateAcknowledgements,
  DefaultEventsMap,
  EventNames,
  EventNamesWithError,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
  TypedEventBroadcaster,
} from "./typed-events.js";

const debug = createDebug("sockline:server");

export type TimeoutError = Error & { responses?: unknown[] };

/**
 * An immutable selection of sockets (rooms, excluded rooms, flags) plus the operations on it. Every
 * modifier returns a new operator, so `io.to("a")` can be kept and reused safely.
 */
export class BroadcastOperator<EmitEvents extends EventsMap = DefaultEventsMap, SocketData = any>
  implements TypedEventBroadcaster<EmitEvents>
{
  constructor(
    private readonly adapter: Adapter,
    private readonly rooms: Set<Room> = new Set(),
    private readonly exceptRooms: Set<Room> = new Set(),
    private readonly flags: BroadcastFlags = {},
  ) {}

  /** Targets a room (or several); repeated calls make a union, each socket receiving once. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.rooms);
    if (Array.isArray(room)) for (const r of room) rooms.add(r);
    else rooms.add(room);
    return new BroadcastOperator(this.adapter, rooms, this.exceptRooms, this.flags);
  }

  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const exceptRooms = new Set(this.exceptRooms);
    if (Array.isArray(room)) for (const r of room) exceptRooms.add(r);
    else exceptRooms.add(room);
    return new BroadcastOperator(this.adapter, this.rooms, exceptRooms, this.flags);
  }

  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.withFlags({ compress });
  }

  /** The packet may be dropped for clients that are not ready to receive it. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.withFlags({ volatile: true });
  }

  /** Only this node's sockets (matters with a cluster adapter). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.withFlags({ local: true });
  }

  /** Acknowledgements must arrive within `timeout` ms; the callback then receives an error first. */
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, timeout });
  }

  private withFlags(extra: BroadcastFlags): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, ...extra });
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    assertNotReserved(RESERVED_EVENTS, ev);
    const data: unknown[] = [ev, ...args];
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", data };
    const last = data[data.length - 1];
    if (typeof last !== "function") {
      this.adapter.broadcast(packet, { rooms: this.rooms, except: this.exceptRooms, flags: this.flags });
      return true;
    }
    data.pop();
    this.broadcastWithAck(packet, last as (...args: any[]) => void);
    return true;
  }

  /**
   * Collects one response per recipient (across the cluster: the adapter reports each server's client
   * count), then calls `ack(null, responses)`; on timeout, `ack(error, responsesSoFar)`.
   */
  private broadcastWithAck(packet: Packet, ack: (...args: any[]) => void): void {
    const single = this.flags.expectSingleResponse === true;
    const responses: unknown[] = [];
    let done = false;
    let expectedServers = -1;
    let answeredServers = 0;
    let expectedClients = 0;
    const finish = (err: Error | null) => {
      done = true;
      if (timer) clearTimeout(timer);
      ack(err, single ? (err ? null : responses[0]) : responses);
    };
    const timer =
      this.flags.timeout === undefined
        ? undefined
        : setTimeout(() => {
            if (done) return;
            // the namespace drops the recipients' callbacks itself (see `AdapterNamespace.sendManyWithAck`)
            debug("broadcast with ack id %s timed out after %d ms", packet.id, this.flags.timeout);
            finish(new Error("operation has timed out"));
          }, this.flags.timeout);
    const check = () => {
      if (!done && expectedServers === answeredServers && responses.length >= expectedClients) finish(null);
    };
    this.adapter.broadcastWithAck(
      packet,
      { rooms: this.rooms, except: this.exceptRooms, flags: this.flags },
      (clientCount) => {
        expectedClients += clientCount;
        answeredServers++;
        check();
      },
      (response: unknown) => {
        if (done) return;
        responses.push(response);
        check();
      },
    );
    this.adapter.serverCount().then(
      (count) => {
        expectedServers = count;
        check();
      },
      (err) => debug("serverCount() failed: %s", err),
    );
  }

  /** Promise form of an emit with acknowledgement: resolves with the responses, rejects on timeout. */
  emitWithAck<Ev extends EventNamesWithError<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      (args as unknown[]).push((err: TimeoutError | null, responses: any) => {
        if (err) {
          err.responses = responses;
          reject(err);
        } else {
          resolve(responses);
        }
      });
      (this.emit as (...a: unknown[]) => boolean)(ev, ...(args as unknown[]));
    });
  }

  /** Ids of the matching sockets on this node (prefer `fetchSockets()`). */
  allSockets(): Promise<Set<SocketId>> {
    if (!this.adapter) {
      throw new Error("No adapter for this namespace, are you trying to get the list of clients of a dynamic namespace?");
    }
    return this.adapter.sockets(this.rooms);
  }

  /** The matching sockets: local `Socket` instances, or `RemoteSocket`s for other nodes of a cluster. */
  async fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    const sockets: (AdapterSocket | SocketDetails<SocketData>)[] = await this.adapter.fetchSockets({
      rooms: this.rooms,
      except: this.exceptRooms,
      flags: this.flags,
    });
    // Local sockets are returned as they are (they have every operation of a RemoteSocket, and
    // more), as the reference does; another node's are described by their details only.
    return sockets.map((socket) =>
      isLocalSocket(socket) ? (socket as RemoteSocket<EmitEvents, SocketData>) : new RemoteSocket(this.adapter, socket),
    );
  }

  socketsJoin(room: Room | Room[]): void {
    this.adapter.addSockets({ rooms: this.rooms, except: this.exceptRooms, flags: this.flags }, Array.isArray(room) ? room : [room]);
  }

  socketsLeave(room: Room | Room[]): void {
    this.adapter.delSockets({ rooms: this.rooms, except: this.exceptRooms, flags: this.flags }, Array.isArray(room) ? room : [room]);
  }

  disconnectSockets(close = false): void {
    this.adapter.disconnectSockets({ rooms: this.rooms, except: this.exceptRooms, flags: this.flags }, close);
  }
}

/** Whether `socket` is a socket of this node (the details of another node's socket have no operations). */
function isLocalSocket<SocketData>(socket: AdapterSocket | SocketDetails<SocketData>): socket is AdapterSocket {
  return typeof (socket as Partial<AdapterSocket>).join === "function";
}

/** What a cluster adapter sends back for a socket on another node. */
export interface SocketDetails<SocketData> {
  id: SocketId;
  handshake: Handshake;
  rooms: Room[];
  data: SocketData;
}

/**
 * A socket seen through the adapter (possibly on another node): its details plus the operations that
 * can be forwarded to wherever it lives.
 */
export class RemoteSocket<EmitEvents extends EventsMap = DefaultEventsMap, SocketData = any> implements TypedEventBroadcaster<EmitEvents> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  private readonly operator: BroadcastOperator<EmitEvents, SocketData>;

  constructor(adapter: Adapter, details: SocketDetails<SocketData>) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
    // A single target answers with one value, like Socket#emit's ack.
    this.operator = new BroadcastOperator<EmitEvents, SocketData>(adapter, new Set([this.id]), new Set(), {
      expectSingleResponse: true,
    });
  }

  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return this.operator.timeout(timeout);
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.operator.emit(ev, ...args);
  }

  join(room: Room | Room[]): void {
    this.operator.socketsJoin(room);
  }

  leave(room: Room): void {
    this.operator.socketsLeave(room);
  }

  disconnect(close = false): this {
    this.operator.disconnectSockets(close);
    return this;
  }
}
