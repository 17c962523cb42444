import {
  Adapter,
  DEFAULT_MAX_DISCONNECTION_DURATION,
  type AdapterNamespace,
  type BroadcastOptions,
  type PrivateSessionId,
  type Room,
  type Session,
  type SessionToPersist,
  type SocketId,
} from "@sockline/core/adapter";
import createDebug from "debug";
import * as msgpack from "notepack.io";
import {
  BroadcastAckRequests,
  collectServerSideResponses,
  countNodes,
  countOtherNodes,
  deliverServerSideEmit,
  outageListener,
  withDeadline,
  type ServerSideEmitAck,
} from "../cluster-operations.js";
import { randomId } from "../ids.js";
import { PendingRequests } from "../pending-requests.js";
import { countingFailures, redisAdapterMetrics, type RedisAdapterMetrics } from "../adapter-metrics.js";
import { describeSocket } from "../socket-details.js";
import {
  MessageType,
  STREAM_ID,
  decodePubSub,
  encodePubSub,
  fromStreamEntry,
  isPersistent,
  nextStreamId,
  parseRawEntry,
  streamNameFor,
  toStreamEntry,
  type ClusterMessage,
  type RawStreamEntry,
  type WireOptions,
} from "./cluster-protocol.js";
import { ConnectedSessions } from "./connected-sessions.js";
import type { StreamConsumer, StreamsConnections } from "./streams-connections.js";

const debug = createDebug("sockline:redis-adapter:streams");

export interface RedisStreamsAdapterOptions {
  /** Name of the stream (or prefix of the streams when `streamCount` > 1). @default "socket.io" */
  streamName?: string;
  /** Number of streams the namespaces are spread over. @default 1 */
  streamCount?: number;
  /** Prefix of the Pub/Sub channels. @default "socket.io" */
  channelPrefix?: string;
  /** Approximate maximum length of each stream (XADD MAXLEN ~). @default 10000 */
  maxLen?: number;
  /** Entries fetched per XREAD. @default 100 */
  readCount?: number;
  /** How long one XREAD blocks waiting for entries. @default 5000 */
  blockTimeInMs?: number;
  /** Prefix of the session keys used by connection state recovery. @default "sio:session:" */
  sessionKeyPrefix?: string;
  /** How long a cluster request (fetchSockets, serverSideEmit with ack) waits for the other nodes. @default 5000 */
  requestsTimeout?: number;
  /** Always store `data` as JSON in stream entries (binary payloads then travel as JSON objects). @default false */
  onlyPlaintext?: boolean;
  /**
   * Sockline: keep the session of every connected socket in Redis (not only of the ones that disconnected), so that
   * the clients of a node that dies recover their session on another node. Needs `connectionStateRecovery`.
   * @default false
   */
  persistConnectedSessions?: boolean;
  /** How often the sessions of connected sockets are rewritten (with `persistConnectedSessions`). @default 30000 */
  connectedSessionsRefreshInterval?: number;
}

export type ResolvedStreamsOptions = Required<RedisStreamsAdapterOptions>;

export const DEFAULT_STREAMS_OPTIONS: ResolvedStreamsOptions = {
  streamName: "socket.io",
  streamCount: 1,
  channelPrefix: "socket.io",
  maxLen: 10_000,
  readCount: 100,
  blockTimeInMs: 5000,
  sessionKeyPrefix: "sio:session:",
  requestsTimeout: 5000,
  onlyPlaintext: false,
  persistConnectedSessions: false,
  connectedSessionsRefreshInterval: 30_000,
};

/** Stop replaying after this many XRANGE pages: a client that missed more than that cannot be caught up anyway. */
const MAX_RESTORE_PAGES = 100;

const EVENT_PACKET = 2;

const encodeOptions = (opts: BroadcastOptions): WireOptions => ({
  rooms: [...opts.rooms],
  except: [...(opts.except ?? [])],
  flags: opts.flags as Record<string, unknown> | undefined,
});

const decodeOptions = (opts: Partial<WireOptions> | undefined): BroadcastOptions => ({
  rooms: new Set(opts?.rooms ?? []),
  except: new Set(opts?.except ?? []),
  flags: opts?.flags as BroadcastOptions["flags"],
});

/** Whether a replayed broadcast was meant for a socket that was in `rooms`. */
function wasAddressedTo(rooms: readonly Room[], opts: Partial<WireOptions>): boolean {
  const targets = opts.rooms ?? [];
  const excluded = opts.except ?? [];
  const included = targets.length === 0 || rooms.some((room) => targets.includes(room));
  return included && rooms.every((room) => !excluded.includes(room));
}

/**
 * Cluster adapter over Redis Streams, compatible with `@socket.io/redis-streams-adapter` 0.3.x. Broadcasts are
 * appended to a stream, which gives every packet an offset: with `connectionStateRecovery` on, a client that
 * reconnects to any node gets its id, rooms, data and the packets it missed (sessions are stored in Redis keys that
 * expire after `maxDisconnectionDuration`).
 */
export class RedisStreamsAdapter extends Adapter implements StreamConsumer {
  readonly uid = randomId();
  readonly streamName: string;
  /** Resolves when this namespace receives cluster traffic (it never rejects; failures are logged). */
  readonly subscribed: Promise<void>;
  private readonly publicChannel: string;
  private readonly privateChannel: string;
  private readonly requests = new PendingRequests<ClusterMessage>();
  private readonly ackRequests = new BroadcastAckRequests();
  private readonly onPubSub = (_channel: string, payload: Buffer) => {
    let message: ClusterMessage;
    try {
      message = decodePubSub(payload);
    } catch (error) {
      debug("[%s] ignoring a malformed message: %s", this.uid, (error as Error).message);
      return;
    }
    this.onMessage(message);
  };
  private readonly stopMonitoring: () => void;
  private readonly connectedSessions: ConnectedSessions | undefined;
  private closed = false;
  /** Context for timeout errors. */
  private readonly describeOutage = (): string | undefined => (this.redisDown ? "Redis is unreachable" : undefined);

  constructor(
    nsp: AdapterNamespace,
    private readonly connections: StreamsConnections,
    private readonly opts: ResolvedStreamsOptions,
  ) {
    super(nsp);
    this.streamName = streamNameFor(nsp.name, opts.streamName, opts.streamCount);
    this.publicChannel = `${opts.channelPrefix}#${nsp.name}#`;
    this.privateChannel = `${opts.channelPrefix}#${nsp.name}#${this.uid}#`;
    this.stopMonitoring = connections.monitor.subscribe(outageListener(this, debug));
    if (opts.persistConnectedSessions && nsp.connectionStateRecovery) {
      this.connectedSessions = new ConnectedSessions(
        nsp,
        connections.publisher,
        opts.sessionKeyPrefix,
        this.maxDisconnectionDuration,
        opts.connectedSessionsRefreshInterval,
      );
    }
    this.subscribed = this.subscribe();
  }

  override addAll(id: SocketId, rooms: Set<Room>): void {
    super.addAll(id, rooms);
    this.connectedSessions?.touch(id);
  }

  override del(id: SocketId, room: Room): void {
    super.del(id, room);
    this.connectedSessions?.touch(id);
  }

  override delAll(id: SocketId): void {
    super.delAll(id);
    this.connectedSessions?.forget(id);
  }

  private async subscribe(): Promise<void> {
    try {
      const subscriber = await this.connections.subscriber;
      await Promise.all([
        subscriber.subscribe([this.publicChannel, this.privateChannel], this.onPubSub),
        this.connections.register(this.nsp.name, this.streamName, this),
      ]);
      debug("[%s] namespace %s follows stream %s", this.uid, this.nsp.name, this.streamName);
    } catch (error) {
      debug("[%s] subscription failed for namespace %s: %s", this.uid, this.nsp.name, (error as Error).message);
    }
  }

  private get redisDown(): boolean {
    return this.connections.monitor.isDown;
  }

  // ---- publishing ----

  /** Publishes a message; resolves with its stream offset (persistent messages) or "" (Pub/Sub). */
  private async publish(message: Omit<ClusterMessage, "uid" | "nsp">): Promise<string> {
    if (this.closed) return "";
    if (this.redisDown) throw new Error("Redis is unreachable");
    const full: ClusterMessage = { ...message, uid: this.uid, nsp: this.nsp.name };
    if (!isPersistent(full)) {
      await this.connections.publisher.publish(this.publicChannel, encodePubSub(full));
      return "";
    }
    const fields = toStreamEntry(full, this.opts.onlyPlaintext);
    const args: Array<string | number> = ["XADD", this.streamName, "MAXLEN", "~", this.opts.maxLen, "*"];
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) args.push(key, value);
    return String(await this.connections.publisher.command(args));
  }

  private publishInBackground(message: Omit<ClusterMessage, "uid" | "nsp">): void {
    this.publish(message).catch((error: Error) => {
      debug("[%s] could not publish a message of type %d: %s", this.uid, message.type, error.message);
    });
  }

  private respond(requesterUid: string, response: Omit<ClusterMessage, "uid" | "nsp">): void {
    if (this.closed || this.redisDown) return;
    const channel = `${this.opts.channelPrefix}#${this.nsp.name}#${requesterUid}#`;
    this.connections.publisher
      .publish(channel, encodePubSub({ ...response, uid: this.uid, nsp: this.nsp.name }))
      .catch((error: Error) => debug("[%s] could not answer %s: %s", this.uid, requesterUid, error.message));
  }

  // ---- incoming ----

  onStreamMessage(message: ClusterMessage, offset: string): void {
    this.onMessage(message, offset);
  }

  private onMessage(message: ClusterMessage, offset?: string): void {
    if (message.uid === this.uid || message.nsp !== this.nsp.name) return;
    const data = message.data ?? {};
    switch (message.type) {
      case MessageType.BROADCAST: {
        if (!data.packet) return;
        const opts = decodeOptions(data.opts);
        if (data.requestId !== undefined) return this.onBroadcastWithAck(message.uid, data.requestId, data.packet, opts);
        this.addOffsetIfNecessary(data.packet, opts, offset);
        return super.broadcast(data.packet, opts);
      }
      case MessageType.SOCKETS_JOIN:
        return super.addSockets(decodeOptions(data.opts), data.rooms ?? []);
      case MessageType.SOCKETS_LEAVE:
        return super.delSockets(decodeOptions(data.opts), data.rooms ?? []);
      case MessageType.DISCONNECT_SOCKETS:
        return super.disconnectSockets(decodeOptions(data.opts), data.close === true);
      case MessageType.FETCH_SOCKETS:
        void super.fetchSockets(decodeOptions(data.opts)).then((sockets) => {
          this.respond(message.uid, {
            type: MessageType.FETCH_SOCKETS_RESPONSE,
            data: { requestId: data.requestId, sockets: sockets.map(describeSocket) },
          });
        });
        return;
      case MessageType.SERVER_SIDE_EMIT:
        return this.onServerSideEmit(message.uid, data);
      case MessageType.BROADCAST_CLIENT_COUNT:
        this.ackRequests.get(data.requestId)?.clientCountCallback(Number(data.clientCount) || 0);
        return;
      case MessageType.BROADCAST_ACK:
        this.ackRequests.get(data.requestId)?.ack(data.packet);
        return;
      case MessageType.FETCH_SOCKETS_RESPONSE:
      case MessageType.SERVER_SIDE_EMIT_RESPONSE:
        if (typeof data.requestId === "string") this.requests.deliver(data.requestId, message);
        return;
      default:
        debug("[%s] ignoring a message of type %s", this.uid, message.type);
    }
  }

  private onBroadcastWithAck(requesterUid: string, requestId: string, packet: any, opts: BroadcastOptions): void {
    super.broadcastWithAck(
      packet,
      opts,
      (clientCount) => this.respond(requesterUid, { type: MessageType.BROADCAST_CLIENT_COUNT, data: { requestId, clientCount } }),
      (arg: unknown) => this.respond(requesterUid, { type: MessageType.BROADCAST_ACK, data: { requestId, packet: arg } }),
    );
  }

  private onServerSideEmit(requesterUid: string, data: any): void {
    const args: unknown[] = Array.isArray(data.packet) ? data.packet : [];
    const requestId = data.requestId;
    const sendReply =
      requestId === undefined
        ? undefined
        : (value: unknown) =>
            this.respond(requesterUid, { type: MessageType.SERVER_SIDE_EMIT_RESPONSE, data: { requestId, packet: value } });
    deliverServerSideEmit(this.nsp, args, sendReply);
  }

  /** Recovery needs the offset as last argument of every event the client may have to replay. */
  private addOffsetIfNecessary(packet: any, opts: BroadcastOptions, offset: string | undefined): void {
    if (!offset || !this.nsp.connectionStateRecovery) return;
    // acks cannot be replayed on another node, and volatile packets are allowed to be lost
    if (packet.type === EVENT_PACKET && packet.id === undefined && opts.flags?.volatile === undefined && Array.isArray(packet.data)) {
      packet.data.push(offset);
    }
  }

  // ---- outgoing ----

  override broadcast(packet: any, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    if (opts.flags?.local || this.redisDown) {
      super.broadcast(packet, opts);
      return;
    }
    // local delivery waits for the stream offset, so local clients get the same recoverable offset as remote ones
    this.publish({ type: MessageType.BROADCAST, data: { packet, opts: encodeOptions(opts) } }).then(
      (offset) => {
        this.addOffsetIfNecessary(packet, opts, offset);
        super.broadcast(packet, opts);
      },
      (error: Error) => {
        debug("[%s] broadcast not published (%s): delivering locally only", this.uid, error.message);
        super.broadcast(packet, opts);
      },
    );
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
      this.ackRequests.add(requestId, { clientCountCallback, ack }, opts.flags?.timeout ?? this.opts.requestsTimeout);
      this.publishInBackground({ type: MessageType.BROADCAST, data: { packet: { ...packet }, requestId, opts: encodeOptions(opts) } });
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.publishInBackground({ type: MessageType.SOCKETS_JOIN, data: { opts: encodeOptions(opts), rooms } });
    super.addSockets(opts, rooms);
  }

  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.publishInBackground({ type: MessageType.SOCKETS_LEAVE, data: { opts: encodeOptions(opts), rooms } });
    super.delSockets(opts, rooms);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (!opts.flags?.local) this.publishInBackground({ type: MessageType.DISCONNECT_SOCKETS, data: { opts: encodeOptions(opts), close } });
    super.disconnectSockets(opts, close);
  }

  /** Nodes in the cluster (this one included): subscribers of the namespace's public channel. */
  override serverCount(): Promise<number> {
    return countNodes(this.connections.publisher, this.publicChannel, this.opts.requestsTimeout, this.describeOutage);
  }

  private otherNodes(label: string, timeoutMs: number): Promise<number> {
    return countingFailures(
      this.requests,
      countOtherNodes(label, this.connections.publisher, this.publicChannel, timeoutMs, this.describeOutage),
    );
  }

  private gather(
    label: string,
    expected: number,
    timeoutMs: number,
    message: Omit<ClusterMessage, "uid" | "nsp">,
    accept: (response: ClusterMessage) => void,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.requests.open(
        message.data.requestId,
        { label, expected, accept, complete: resolve, fail: reject },
        timeoutMs,
        this.describeOutage,
      );
      this.publishInBackground(message);
    });
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<any[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const timeoutMs = opts.flags?.timeout ?? this.opts.requestsTimeout;
    const others = await this.otherNodes("fetchSockets", timeoutMs);
    if (others === 0) return local;
    const found: any[] = [...local];
    const message = { type: MessageType.FETCH_SOCKETS, data: { opts: encodeOptions(opts), requestId: randomId() } };
    await this.gather("fetchSockets", others, timeoutMs, message, (response) => {
      if (Array.isArray(response.data?.sockets)) found.push(...response.data.sockets);
    });
    return found;
  }

  override serverSideEmit(packet: any[]): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") {
      this.publishInBackground({ type: MessageType.SERVER_SIDE_EMIT, data: { packet } });
      return;
    }
    const args = packet.slice(0, -1);
    const timeoutMs = this.opts.requestsTimeout;
    collectServerSideResponses(
      last as ServerSideEmitAck,
      () => this.otherNodes("serverSideEmit", timeoutMs),
      (others, responses) => {
        const message = { type: MessageType.SERVER_SIDE_EMIT, data: { requestId: randomId(), packet: args } };
        return this.gather("serverSideEmit", others, timeoutMs, message, (response) => responses.push(response.data?.packet));
      },
    );
  }

  // ---- connection state recovery ----

  private get maxDisconnectionDuration(): number {
    return this.nsp.connectionStateRecovery?.maxDisconnectionDuration ?? DEFAULT_MAX_DISCONNECTION_DURATION;
  }

  override persistSession(session: SessionToPersist): Promise<void> {
    const encoded = Buffer.from(msgpack.encode(session)).toString("base64");
    const key = this.opts.sessionKeyPrefix + session.pid;
    return this.connections.publisher.command(["SET", key, encoded, "PX", this.maxDisconnectionDuration]).then(
      () => debug("[%s] persisted session of socket %s", this.uid, session.sid),
      (error: Error) => debug("[%s] could not persist the session of socket %s: %s", this.uid, session.sid, error.message),
    );
  }

  override async restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    if (typeof offset !== "string" || !STREAM_ID.test(offset)) return null;
    const key = this.opts.sessionKeyPrefix + pid;
    let rawSession: unknown;
    let offsetEntry: unknown;
    try {
      [rawSession, offsetEntry] = await withDeadline(
        "restoreSession",
        Promise.all([
          this.connections.publisher.command(["GETDEL", key]),
          this.connections.publisher.command(["XRANGE", this.streamName, offset, offset]),
        ]),
        this.opts.requestsTimeout,
        this.describeOutage,
      );
    } catch (error) {
      debug("[%s] cannot restore session: %s", this.uid, (error as Error).message);
      return null;
    }
    // the offset must still be in the stream, otherwise packets may have been trimmed away and the client would
    // silently miss them: a fresh session is the honest answer
    if (!rawSession || !Array.isArray(offsetEntry) || offsetEntry.length === 0) return null;
    const session = msgpack.decode(Buffer.from(String(rawSession), "base64")) as Session;
    session.missedPackets = [];
    let cursor = offset;
    for (let page = 0; page < MAX_RESTORE_PAGES; page++) {
      const entries = (await this.connections.publisher.command([
        "XRANGE",
        this.streamName,
        nextStreamId(cursor),
        "+",
        "COUNT",
        this.opts.readCount,
      ])) as RawStreamEntry[];
      if (!Array.isArray(entries) || entries.length === 0) break;
      for (const raw of entries) {
        const { id, fields } = parseRawEntry(raw);
        cursor = id;
        if (fields.nsp !== this.nsp.name || fields.type !== String(MessageType.BROADCAST)) continue;
        try {
          const { packet, opts } = fromStreamEntry(fields).data ?? {};
          if (!packet || packet.type !== EVENT_PACKET || packet.id !== undefined || opts?.flags?.volatile) continue;
          if (!wasAddressedTo(session.rooms, opts ?? {})) continue;
          packet.data.push(id);
          session.missedPackets.push(packet.data);
        } catch (error) {
          debug("[%s] skipping malformed entry %s: %s", this.uid, id, (error as Error).message);
        }
      }
    }
    return session;
  }

  /** Requests, timeouts and whether Redis is reachable, for `io.metrics()` (see `adapter-metrics.ts`). */
  metrics(): RedisAdapterMetrics {
    return redisAdapterMetrics(this.requests, this.connections.monitor);
  }

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopMonitoring();
    this.connectedSessions?.close();
    this.ackRequests.clear();
    this.requests.rejectAll(`the adapter of namespace ${this.nsp.name} was closed`);
    void this.unsubscribe().finally(() => this.connections.release(this.nsp.name));
  }

  private async unsubscribe(): Promise<void> {
    try {
      const subscriber = await this.connections.subscriber;
      if (subscriber.isReady()) await subscriber.unsubscribe([this.publicChannel, this.privateChannel], this.onPubSub);
    } catch (error) {
      debug("[%s] unsubscribe failed: %s", this.uid, (error as Error).message);
    }
  }
}
