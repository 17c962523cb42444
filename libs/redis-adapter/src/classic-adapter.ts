import {
  Adapter,
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastOptions,
  type Room,
  type SocketId,
} from "@sockline/core/adapter";
import createDebug from "debug";
import {
  BroadcastAckRequests,
  collectServerSideResponses,
  countNodes,
  countOtherNodes,
  deliverServerSideEmit,
  outageListener,
  type ServerSideEmitAck,
} from "./cluster-operations.js";
import { decodeRequestPayload, msgpackParser, toPublishable, type MessageParser } from "./codec.js";
import { randomId } from "./ids.js";
import { PendingRequests } from "./pending-requests.js";
import { countingFailures, redisAdapterMetrics, type RedisAdapterMetrics } from "./adapter-metrics.js";
import {
  ClassicChannels,
  RequestType,
  type BroadcastMessage,
  type RemoteSocketDetails,
  type WireBroadcastOptions,
  type WireFilter,
  type WirePacket,
  type WireRequest,
  type WireResponse,
} from "./protocol.js";
import type { RedisConnection, RedisPayload } from "./redis-client.js";
import type { SharedConnections } from "./shared-connections.js";
import { describeSocket } from "./socket-details.js";

const debug = createDebug("sockline:redis-adapter");

export interface RedisAdapterOptions {
  /** Prefix of every channel name. Must match the other nodes and emitters. @default "socket.io" */
  key?: string;
  /** How long a cluster request (fetchSockets, allRooms, serverSideEmit with ack...) waits for the other nodes. @default 5000 */
  requestsTimeout?: number;
  /**
   * Answer requests on the requesting node's own response channel (`prefix-response#nsp#uid#`) instead of the
   * shared one. Every node listens on both, so mixing settings works. @default false (like the reference adapter)
   */
  publishOnSpecificResponseChannel?: boolean;
  /** Encoder of broadcast messages and binary requests. Must match the other nodes. @default notepack.io msgpack */
  parser?: MessageParser;
}

/** Rooms named by numbers exist too (`socket.join(42)`), but travel as text in channel names. */
const isNumeric = (text: string) => text.trim() !== "" && !Number.isNaN(Number(text));

const toSets = (opts: Partial<WireFilter> | undefined): BroadcastOptions => ({
  rooms: new Set(opts?.rooms ?? []),
  except: new Set(opts?.except ?? []),
});

const toWireFilter = (opts: BroadcastOptions): WireFilter => ({
  rooms: [...opts.rooms],
  except: [...(opts.except ?? [])],
});

const toWireBroadcastOptions = (opts: BroadcastOptions): WireBroadcastOptions => ({
  rooms: [...opts.rooms],
  except: [...new Set(opts.except ?? [])],
  flags: (opts.flags ?? {}) as Record<string, unknown>,
});

/**
 * Cluster adapter speaking the classic Pub/Sub protocol of `@socket.io/redis-adapter` 8.x: one instance per namespace,
 * created by {@link createAdapter}. Local delivery is the in-memory adapter's; this class relays every non-local
 * operation to the other nodes through Redis and answers theirs.
 */
export class RedisAdapter extends Adapter {
  /** This node's id on the wire; messages carrying it are our own and are skipped. */
  readonly uid = randomId();
  readonly requestsTimeout: number;
  readonly publishOnSpecificResponseChannel: boolean;
  readonly parser: MessageParser;
  readonly channels: ClassicChannels;
  /** Resolves when this adapter's subscriptions are active (it never rejects; failures are logged). */
  readonly subscribed: Promise<void>;

  private readonly publisher: RedisConnection;
  private readonly requests = new PendingRequests<WireResponse>();
  private readonly ackRequests = new BroadcastAckRequests();
  private readonly onBroadcastChannel = (channel: string, message: Buffer) => this.onBroadcastMessage(channel, message);
  private readonly onRequestChannel = (channel: string, message: Buffer) => {
    this.onRequestOrResponse(channel, message).catch((error: Error) => {
      debug("[%s] failed to handle a message on %s: %s", this.uid, channel, error.message);
    });
  };
  private readonly stopMonitoring: () => void;
  private closed = false;
  /** Context for timeout errors. */
  private readonly describeOutage = (): string | undefined => (this.connections.monitor.isDown ? "Redis is unreachable" : undefined);

  constructor(
    nsp: AdapterNamespace,
    private readonly connections: SharedConnections,
    opts: RedisAdapterOptions = {},
  ) {
    super(nsp);
    this.requestsTimeout = opts.requestsTimeout ?? 5000;
    this.publishOnSpecificResponseChannel = opts.publishOnSpecificResponseChannel ?? false;
    this.parser = opts.parser ?? msgpackParser;
    this.channels = new ClassicChannels(opts.key ?? "socket.io", nsp.name);
    this.publisher = connections.publisher;
    connections.acquire();
    this.stopMonitoring = connections.monitor.subscribe(outageListener(this, debug));
    this.subscribed = this.subscribe();
  }

  private async subscribe(): Promise<void> {
    try {
      const subscriber = await this.connections.subscriber;
      await Promise.all([
        subscriber.psubscribe(`${this.channels.broadcast}*`, this.onBroadcastChannel),
        subscriber.subscribe([this.channels.request, this.channels.response, this.channels.responseFor(this.uid)], this.onRequestChannel),
      ]);
      debug("[%s] subscribed to the channels of namespace %s", this.uid, this.nsp.name);
    } catch (error) {
      debug("[%s] subscription failed for namespace %s: %s", this.uid, this.nsp.name, (error as Error).message);
    }
  }

  /**
   * Publishes unless Redis is known to be down: messages queued during an outage would reach the other nodes long
   * after the fact, so they are dropped instead (the other nodes cannot receive anything meanwhile anyway).
   */
  private publish(channel: string, payload: RedisPayload): void {
    if (this.closed) return;
    if (this.connections.monitor.isDown) {
      debug("[%s] Redis is down: not publishing to %s", this.uid, channel);
      return;
    }
    this.publisher.publish(channel, payload).catch((error: Error) => {
      debug("[%s] publish to %s failed: %s", this.uid, channel, error.message);
    });
  }

  private publishResponse(request: WireRequest, response: RedisPayload): void {
    const channel = this.publishOnSpecificResponseChannel && request.uid ? this.channels.responseFor(request.uid) : this.channels.response;
    this.publish(channel, response);
  }

  // ---- incoming broadcasts ----

  private hasRoom(room: string): boolean {
    if (this.rooms.has(room)) return true;
    return isNumeric(room) && this.rooms.has(Number(room) as unknown as Room);
  }

  private onBroadcastMessage(channel: string, message: Buffer): void {
    const room = this.channels.roomOf(channel);
    if (room === null) return;
    // single-room channels let us skip decoding messages for rooms without local members
    if (room !== "" && !this.hasRoom(room)) return;
    let decoded: BroadcastMessage;
    try {
      decoded = this.parser.decode(message) as BroadcastMessage;
    } catch (error) {
      debug("[%s] ignoring a malformed broadcast on %s: %s", this.uid, channel, (error as Error).message);
      return;
    }
    if (!Array.isArray(decoded) || decoded.length < 3) return;
    const [uid, packet, opts] = decoded;
    if (uid === this.uid) return;
    if (!packet || typeof packet !== "object") return;
    if (packet.nsp === undefined) packet.nsp = "/";
    if (packet.nsp !== this.nsp.name) return;
    super.broadcast(packet as any, {
      rooms: new Set(opts?.rooms ?? []),
      except: new Set(opts?.except ?? []),
      flags: (opts?.flags ?? {}) as BroadcastOptions["flags"],
    });
  }

  // ---- incoming requests and responses ----

  private async onRequestOrResponse(channel: string, message: Buffer): Promise<void> {
    const isResponse = channel.startsWith(this.channels.response);
    if (!isResponse && channel !== this.channels.request) return;
    let decoded: unknown;
    try {
      decoded = decodeRequestPayload(message, this.parser);
    } catch (error) {
      debug("[%s] ignoring a malformed %s: %s", this.uid, isResponse ? "response" : "request", (error as Error).message);
      return;
    }
    if (!decoded || typeof decoded !== "object") return;
    if (isResponse) this.onResponse(decoded as WireResponse);
    else await this.onRequest(decoded as WireRequest);
  }

  private async onRequest(request: WireRequest): Promise<void> {
    if (request.uid === this.uid) return;
    debug("[%s] request of type %d from %s", this.uid, request.type, request.uid);
    switch (request.type) {
      case RequestType.SOCKETS: {
        const sockets = await super.sockets(new Set(request.rooms ?? []));
        this.publishResponse(request, JSON.stringify({ requestId: request.requestId, sockets: [...sockets] }));
        return;
      }
      case RequestType.ALL_ROOMS:
        this.publishResponse(request, JSON.stringify({ requestId: request.requestId, rooms: [...this.rooms.keys()] }));
        return;
      case RequestType.REMOTE_JOIN:
        if (request.opts) return super.addSockets(toSets(request.opts), request.rooms ?? []);
        return this.onLegacySocketRequest(request, (socket) => socket.join(request.room as string));
      case RequestType.REMOTE_LEAVE:
        if (request.opts) return super.delSockets(toSets(request.opts), request.rooms ?? []);
        return this.onLegacySocketRequest(request, (socket) => socket.leave(request.room as string));
      case RequestType.REMOTE_DISCONNECT:
        if (request.opts) return super.disconnectSockets(toSets(request.opts), request.close === true);
        return this.onLegacySocketRequest(request, (socket) => socket.disconnect(request.close === true));
      case RequestType.REMOTE_FETCH: {
        const sockets = await super.fetchSockets(toSets(request.opts));
        this.publishResponse(request, JSON.stringify({ requestId: request.requestId, sockets: sockets.map(describeSocket) }));
        return;
      }
      case RequestType.SERVER_SIDE_EMIT:
        return this.onServerSideEmitRequest(request);
      case RequestType.BROADCAST:
        return this.onBroadcastWithAckRequest(request);
      default:
        debug("[%s] ignoring a request of unknown type %s", this.uid, request.type);
    }
  }

  /** Old single-socket form of join/leave/disconnect (`{ sid, room }`), still answered for older peers. */
  private onLegacySocketRequest(request: WireRequest, action: (socket: AdapterSocket) => unknown): void {
    const socket = request.sid === undefined ? undefined : this.nsp.localSockets([request.sid])[0];
    if (!socket) return;
    action(socket);
    this.publishResponse(request, JSON.stringify({ requestId: request.requestId }));
  }

  private onServerSideEmitRequest(request: WireRequest): void {
    const args = Array.isArray(request.data) ? request.data : [];
    const requestId = request.requestId;
    const sendReply =
      requestId === undefined
        ? undefined
        : (value: unknown) => this.publishResponse(request, JSON.stringify({ type: RequestType.SERVER_SIDE_EMIT, requestId, data: value }));
    deliverServerSideEmit(this.nsp, args, sendReply);
  }

  private onBroadcastWithAckRequest(request: WireRequest): void {
    if (!request.packet || request.requestId === undefined) return;
    const requestId = request.requestId;
    const opts: BroadcastOptions = { ...toSets(request.opts), flags: request.opts?.flags as BroadcastOptions["flags"] };
    super.broadcastWithAck(
      request.packet as any,
      opts,
      (clientCount) => {
        this.publishResponse(request, JSON.stringify({ type: RequestType.BROADCAST_CLIENT_COUNT, requestId, clientCount }));
      },
      (arg: unknown) => {
        // acks may carry binary data, hence msgpack
        this.publishResponse(request, toPublishable(this.parser.encode({ type: RequestType.BROADCAST_ACK, requestId, packet: arg })));
      },
    );
  }

  private onResponse(response: WireResponse): void {
    const requestId = response.requestId;
    if (typeof requestId !== "string") return;
    const ackRequest = this.ackRequests.get(requestId);
    if (ackRequest) {
      if (response.type === RequestType.BROADCAST_CLIENT_COUNT) ackRequest.clientCountCallback(Number(response.clientCount) || 0);
      else if (response.type === RequestType.BROADCAST_ACK) ackRequest.ack(response.packet);
      return;
    }
    this.requests.deliver(requestId, response);
  }

  // ---- outgoing operations ----

  override broadcast(packet: any, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    if (!opts.flags?.local) {
      const message: BroadcastMessage = [this.uid, packet as WirePacket, toWireBroadcastOptions(opts)];
      this.publish(this.channels.broadcastChannelFor(opts.rooms), toPublishable(this.parser.encode(message)));
    }
    super.broadcast(packet, opts);
  }

  override broadcastWithAck(
    packet: any,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: any[]) => void,
  ): void {
    packet.nsp = this.nsp.name;
    if (!opts.flags?.local) {
      const requestId = randomId();
      const request: WireRequest = {
        uid: this.uid,
        requestId,
        type: RequestType.BROADCAST,
        // published before the local delivery assigns an ack id: each node assigns its own
        packet: { ...packet },
        opts: toWireBroadcastOptions(opts),
      };
      this.ackRequests.add(requestId, { clientCountCallback, ack }, opts.flags?.timeout ?? this.requestsTimeout);
      this.publish(this.channels.request, toPublishable(this.parser.encode(request)));
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  /** Number of nodes in the cluster (this one included): the subscribers of the request channel. */
  override serverCount(): Promise<number> {
    return countNodes(this.publisher, this.channels.request, this.requestsTimeout, this.describeOutage);
  }

  /** Number of other nodes that will answer a request, for `label` in errors. */
  private otherNodes(label: string): Promise<number> {
    return countingFailures(
      this.requests,
      countOtherNodes(label, this.publisher, this.channels.request, this.requestsTimeout, this.describeOutage),
    );
  }

  /**
   * Sends a request to every other node and collects one response from each, or fails when `requestsTimeout` passes.
   */
  private gather(label: string, expected: number, request: WireRequest, accept: (response: WireResponse) => void): Promise<void> {
    const requestId = randomId();
    return new Promise<void>((resolve, reject) => {
      this.requests.open(
        requestId,
        { label, expected, accept, complete: resolve, fail: reject },
        this.requestsTimeout,
        this.describeOutage,
      );
      this.publish(this.channels.request, JSON.stringify({ ...request, uid: this.uid, requestId }));
    });
  }

  /** Every room with members on any node. */
  async allRooms(): Promise<Set<Room>> {
    const rooms = new Set<Room>(this.rooms.keys());
    const others = await this.otherNodes("allRooms");
    if (others === 0) return rooms;
    await this.gather("allRooms", others, { type: RequestType.ALL_ROOMS }, (response) => {
      if (Array.isArray(response.rooms)) for (const room of response.rooms) rooms.add(room);
    });
    return rooms;
  }

  /** Ids of the sockets in `rooms` (every socket when empty) on every node. */
  async clusterSockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const ids = await super.sockets(rooms);
    const others = await this.otherNodes("sockets");
    if (others === 0) return ids;
    await this.gather("sockets", others, { type: RequestType.SOCKETS, rooms: [...rooms] }, (response) => {
      if (Array.isArray(response.sockets)) for (const id of response.sockets) ids.add(id as SocketId);
    });
    return ids;
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<any[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const others = await this.otherNodes("fetchSockets");
    if (others === 0) return local;
    const found: any[] = [...local];
    await this.gather("fetchSockets", others, { type: RequestType.REMOTE_FETCH, opts: toWireFilter(opts) }, (response) => {
      if (!Array.isArray(response.sockets)) return;
      for (const socket of response.sockets as RemoteSocketDetails[]) {
        if (socket && typeof socket.id === "string") found.push(socket);
      }
    });
    return found;
  }

  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) {
      this.publish(
        this.channels.request,
        JSON.stringify({ uid: this.uid, type: RequestType.REMOTE_JOIN, opts: toWireFilter(opts), rooms: [...rooms] }),
      );
    }
    super.addSockets(opts, rooms);
  }

  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) {
      this.publish(
        this.channels.request,
        JSON.stringify({ uid: this.uid, type: RequestType.REMOTE_LEAVE, opts: toWireFilter(opts), rooms: [...rooms] }),
      );
    }
    super.delSockets(opts, rooms);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (!opts.flags?.local) {
      this.publish(
        this.channels.request,
        JSON.stringify({ uid: this.uid, type: RequestType.REMOTE_DISCONNECT, opts: toWireFilter(opts), close }),
      );
    }
    super.disconnectSockets(opts, close);
  }

  /**
   * Sends `[event, ...args]` to the listeners of this namespace on the other nodes. With an acknowledgement callback as
   * last element, it is called with `(null, responses)` once every other node answered, or with a timeout error and
   * the responses received so far.
   */
  override serverSideEmit(packet: any[]): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") {
      this.publish(this.channels.request, JSON.stringify({ uid: this.uid, type: RequestType.SERVER_SIDE_EMIT, data: packet }));
      return;
    }
    const args = packet.slice(0, -1);
    collectServerSideResponses(
      last as ServerSideEmitAck,
      () => this.otherNodes("serverSideEmit"),
      (others, responses) =>
        this.gather("serverSideEmit", others, { type: RequestType.SERVER_SIDE_EMIT, data: args }, (response) => {
          responses.push(response.data);
        }),
    );
  }

  /** Requests, timeouts and whether Redis is reachable, for `io.metrics()` (see `adapter-metrics.ts`). */
  metrics(): RedisAdapterMetrics {
    return redisAdapterMetrics(this.requests, this.connections.monitor);
  }

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopMonitoring();
    this.ackRequests.clear();
    this.requests.rejectAll(`the adapter of namespace ${this.nsp.name} was closed`);
    void this.unsubscribe().finally(() => this.connections.release());
  }

  private async unsubscribe(): Promise<void> {
    try {
      const subscriber = await this.connections.subscriber;
      if (!subscriber.isReady()) return;
      await Promise.all([
        subscriber.punsubscribe(`${this.channels.broadcast}*`, this.onBroadcastChannel),
        subscriber.unsubscribe([this.channels.request, this.channels.response, this.channels.responseFor(this.uid)], this.onRequestChannel),
      ]);
    } catch (error) {
      debug("[%s] unsubscribe failed for namespace %s: %s", this.uid, this.nsp.name, (error as Error).message);
    }
  }
}
