/**
 * Node-to-node messaging of the Redis session router over Redis Pub/Sub: each node subscribes to its own channel
 * (`<prefix>#<nodeId>`) and publishes to the channel of the node it talks to.
 *
 * - Requests and answers (a forwarded poll, the opening of a relayed WebSocket) are matched by a per-node request id.
 *   Each request is bounded in time (`requestTimeout`) and in number (`maxPendingRequests`, both ways).
 * - Liveness costs nothing per request: PUBLISH answers how many subscribers received the message, and 0 means the
 *   owner's subscription is gone (the node stopped or died), so the request fails at once. While requests or links
 *   are open, one `PUBSUB NUMSUB` per `livenessInterval` catches a peer that dies after it took a request.
 * - Every message read from Redis is size-checked and validated ({@link decodeEnvelope}); anything else is dropped
 *   and reported as a diagnostic, never thrown.
 */
import createDebug from "debug";
import type { Diagnostic } from "@sockline/core/engine";
import type { RedisConnection } from "../redis-client.js";
import {
  decodeEnvelope,
  encodeEnvelope,
  isDecodeFailure,
  MessageKind,
  type Envelope,
  type WireAnswerHead,
  type WireOpened,
  type WirePoll,
  type WireUpgrade,
} from "./envelope.js";
import { ForwardError, zeroRouterCounters, type RouterStats } from "./forward-error.js";
import { PeerLiveness } from "./peer-liveness.js";
import { RelayLink, type LinkCarrier } from "./relay-link.js";

export { ForwardError, type ForwardFailure, type RouterStats } from "./forward-error.js";

const debug = createDebug("sockline:redis-session-router");

export interface RouterTransportOptions {
  /** Channel prefix; nodes talk only to nodes of the same prefix. */
  channelPrefix: string;
  /** Time a forwarded request may wait for its answer (a GET poll is held by the owner up to `pingInterval`). */
  requestTimeout: number;
  /** Requests this node waits answers for, and requests of other nodes it serves, at once (each way). */
  maxPendingRequests: number;
  /** Largest message published or accepted (a poll body or answer, a relayed frame, plus ~100 bytes). */
  maxMessageBytes: number;
  /** Bytes one relayed WebSocket may have waiting (for Redis, or for a listener) before it is closed. */
  maxRelayBufferedBytes: number;
  /** How often the peers with open requests or links are checked to still be subscribed. */
  livenessInterval: number;
}

/** An answer to a forwarded poll. */
export interface WireAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** What the node that owns sessions does with requests from other nodes. */
export interface RouterTransportHandlers {
  /** Never rejects in practice (the engine answers failures); `abandoned` fires when the forwarder gave up. */
  servePoll(poll: WirePoll & { body: Buffer }, abandoned: AbortSignal): Promise<WireAnswer>;
  /** Adopt a relayed WebSocket for one of this node's sessions; false when the session is unknown or cannot upgrade. */
  adoptLink(upgrade: WireUpgrade, link: RelayLink): boolean;
}

interface Pending {
  owner: string;
  kind: MessageKind;
  resolve(envelope: Envelope): void;
  reject(error: ForwardError): void;
  timer: NodeJS.Timeout;
}

type DiagnosticSink = (diagnostic: Diagnostic) => void;

export class RouterTransport implements LinkCarrier {
  private readonly pending = new Map<number, Pending>();
  /** Links this node accepted the WebSocket of, by link id. */
  private readonly edgeLinks = new Map<number, RelayLink>();
  /** Links carrying this node's sessions, by `<edge node id>/<link id>`. */
  private readonly ownerLinks = new Map<string, RelayLink>();
  private nextId = 1;
  /** Polls of other nodes being served here, by `<edge node id>/<request id>`, to release them when abandoned. */
  private readonly serving = new Map<string, AbortController>();
  private handlers: RouterTransportHandlers | undefined;
  private readonly liveness: PeerLiveness;
  private closed = false;
  private readonly onMessage = (_channel: string, message: Buffer) => this.receive(message);
  private readonly counters = zeroRouterCounters();
  /** Where diagnostics go (the engine's `Diagnostics` once the router is bound). */
  report: DiagnosticSink = () => {};

  private constructor(
    private readonly publisher: RedisConnection,
    private readonly subscriber: RedisConnection,
    readonly nodeId: string,
    private readonly options: RouterTransportOptions,
  ) {
    this.liveness = new PeerLiveness(
      publisher,
      (peer) => this.channelOf(peer),
      () => this.peersWaitedOn(),
      (peer) => this.peerGone(peer),
      options.livenessInterval,
    );
  }

  /** Subscribes to this node's channel; resolves once other nodes can reach it. */
  static async start(
    publisher: RedisConnection,
    subscriber: RedisConnection,
    nodeId: string,
    options: RouterTransportOptions,
  ): Promise<RouterTransport> {
    const transport = new RouterTransport(publisher, subscriber, nodeId, options);
    await subscriber.subscribe([transport.channelOf(nodeId)], transport.onMessage);
    return transport;
  }

  get maxRelayBufferedBytes(): number {
    return this.options.maxRelayBufferedBytes;
  }

  /** Requests waiting for an answer (for tests and metrics). */
  get pendingRequests(): number {
    return this.pending.size;
  }

  get openLinks(): number {
    return this.edgeLinks.size + this.ownerLinks.size;
  }

  stats(): RouterStats {
    return {
      ...this.counters,
      failedForwards: { ...this.counters.failedForwards },
      pendingRequests: this.pending.size,
      openLinks: this.openLinks,
    };
  }

  private countFailure(error: unknown): void {
    const reason = error instanceof ForwardError ? error.reason : "redis";
    this.counters.failedForwards[reason] = (this.counters.failedForwards[reason] ?? 0) + 1;
  }

  setHandlers(handlers: RouterTransportHandlers): void {
    this.handlers = handlers;
  }

  channelOf(nodeId: string): string {
    return `${this.options.channelPrefix}#${nodeId}`;
  }

  // ---- edge side: requests to owners ----

  /** Forwards a poll to its owner and resolves with the owner's answer, or rejects with a {@link ForwardError}. */
  async forwardPoll(owner: string, poll: WirePoll, body: Buffer, abandoned?: AbortSignal): Promise<WireAnswer> {
    this.counters.forwardedPolls++;
    try {
      const answer = await this.request(owner, MessageKind.Poll, poll, body, undefined, abandoned);
      const head = answer.head as WireAnswerHead;
      if ("refused" in head) throw new ForwardError("refused", `owner ${owner} refused the poll for session ${poll.sid}: ${head.refused}`);
      this.counters.answeredPolls++;
      return { status: head.status, headers: head.headers, body: answer.body };
    } catch (error) {
      this.countFailure(error);
      throw error;
    }
  }

  /**
   * Asks the owner to adopt a WebSocket this node accepted for session `upgrade.sid`; resolves with the link to relay
   * frames over, or rejects (`refused` when the owner does not know the session or cannot upgrade it).
   */
  async openLink(owner: string, upgrade: WireUpgrade): Promise<RelayLink> {
    const id = this.allocateId();
    const link = new RelayLink(this, owner, id, "edge", upgrade.sid);
    // registered before the request goes out: the owner may send frames right after its answer
    this.edgeLinks.set(id, link);
    try {
      const answer = await this.request(owner, MessageKind.Open, upgrade, undefined, id);
      if (!(answer.head as WireOpened).adopted)
        throw new ForwardError("refused", `owner ${owner} did not adopt a WebSocket for session ${upgrade.sid}`);
    } catch (error) {
      this.edgeLinks.delete(id);
      link.end();
      this.countFailure(error);
      throw error;
    }
    this.counters.relayedAsEdge++;
    this.liveness.watch();
    return link;
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return id;
  }

  private request(
    owner: string,
    kind: MessageKind,
    head: unknown,
    body?: Buffer,
    presetId?: number,
    abandoned?: AbortSignal,
  ): Promise<Envelope> {
    if (this.closed) return Promise.reject(new ForwardError("closed", "the session router is closed"));
    if (abandoned?.aborted) return Promise.reject(new ForwardError("abandoned", "the forwarded request was abandoned"));
    if (this.pending.size >= this.options.maxPendingRequests) {
      this.reportDiagnostic({
        kind: "limit",
        name: "maxPendingRequests",
        message: `${this.pending.size} requests forwarded to other nodes are waiting answers, maxPendingRequests (${this.options.maxPendingRequests})`,
        action: "request refused",
        value: this.pending.size,
        limit: this.options.maxPendingRequests,
      });
      return Promise.reject(new ForwardError("overloaded", `too many forwarded requests pending (${this.pending.size})`));
    }
    const id = presetId ?? this.allocateId();
    const message = encodeEnvelope(kind, this.nodeId, id, 0, head, body);
    if (message.length > this.options.maxMessageBytes) {
      return Promise.reject(
        new ForwardError(
          "too-large",
          `forwarded request of ${message.length} bytes over maxMessageBytes (${this.options.maxMessageBytes})`,
        ),
      );
    }
    return new Promise<Envelope>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.giveUp(id, new ForwardError("timeout", `node ${owner} did not answer within ${this.options.requestTimeout} ms`));
      }, this.options.requestTimeout);
      const onAbandoned = () => this.giveUp(id, new ForwardError("abandoned", "the forwarded request was abandoned"));
      abandoned?.addEventListener("abort", onAbandoned, { once: true });
      const settle =
        <T>(settler: (value: T) => void) =>
        (value: T) => {
          abandoned?.removeEventListener("abort", onAbandoned);
          settler(value);
        };
      this.pending.set(id, { owner, kind, resolve: settle(resolve), reject: settle(reject), timer });
      this.liveness.watch();
      this.publisher.publish(this.channelOf(owner), message).then(
        (receivers) => {
          if (Number(receivers) === 0)
            this.failPending(id, new ForwardError("owner-gone", `node ${owner} is not subscribed (stopped or gone)`));
        },
        (error: Error) => this.failPending(id, new ForwardError("redis", `could not publish to node ${owner}: ${error.message}`)),
      );
    });
  }

  /**
   * This side stops waiting for request `id` while the owner may still hold it (a GET waiting for packets): tell the
   * owner, so that it releases the GET rather than write packets into an answer nobody reads.
   */
  private giveUp(id: number, error: ForwardError): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.failPending(id, error);
    if (entry.kind !== MessageKind.Poll) return;
    this.publisher.publish(this.channelOf(entry.owner), encodeEnvelope(MessageKind.Abandon, this.nodeId, id, 0, undefined)).catch(() => {});
  }

  private failPending(id: number, error: ForwardError): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.reject(error);
  }

  // ---- liveness of the peers we wait on ----

  /** The peers something waits on: owners of pending requests, peers of open links. */
  private peersWaitedOn(): Set<string> {
    const peers = new Set<string>();
    for (const entry of this.pending.values()) peers.add(entry.owner);
    for (const link of this.edgeLinks.values()) peers.add(link.peer);
    for (const link of this.ownerLinks.values()) peers.add(link.peer);
    return peers;
  }

  /** `peer` unsubscribed: it stopped or died. Whatever waits on it ends now rather than at its timeout. */
  private peerGone(peer: string): void {
    debug("node %s is gone: failing its requests and links", peer);
    for (const [id, entry] of this.pending) {
      if (entry.owner === peer) this.failPending(id, new ForwardError("owner-gone", `node ${peer} went away (no longer subscribed)`));
    }
    for (const link of [...this.edgeLinks.values(), ...this.ownerLinks.values()]) if (link.peer === peer) link.end();
  }

  // ---- incoming messages ----

  private receive(message: Buffer): void {
    if (this.closed) return;
    if (message.length > this.options.maxMessageBytes) {
      this.counters.droppedMessages++;
      this.reportDiagnostic({
        kind: "limit",
        name: "maxMessageBytes",
        message: `message of ${message.length} bytes from Redis over maxMessageBytes (${this.options.maxMessageBytes})`,
        action: "message dropped",
        value: message.length,
        limit: this.options.maxMessageBytes,
      });
      return;
    }
    const envelope = decodeEnvelope(message);
    if (isDecodeFailure(envelope)) {
      this.counters.droppedMessages++;
      this.reportDiagnostic({
        kind: "violation",
        name: "invalid-router-message",
        message: `invalid session router message from Redis: ${envelope.error}`,
        action: "message dropped",
      });
      return;
    }
    try {
      this.dispatch(envelope);
    } catch (error) {
      // a throwing handler must not take down the subscription that every session of this node depends on
      debug("error while handling a %d message from %s: %s", envelope.kind, envelope.from, (error as Error).stack);
    }
  }

  private dispatch(envelope: Envelope): void {
    switch (envelope.kind) {
      case MessageKind.Poll:
        return this.servePoll(envelope);
      case MessageKind.Open:
        return this.adopt(envelope);
      case MessageKind.Answer:
      case MessageKind.Opened:
        return this.answered(envelope);
      case MessageKind.FrameToOwnerText:
      case MessageKind.FrameToOwnerBinary:
        this.counters.framesReceived++;
        return this.ownerLinks
          .get(`${envelope.from}/${envelope.id}`)
          ?.receive(envelope.seq, frameOf(envelope, MessageKind.FrameToOwnerText));
      case MessageKind.FrameToEdgeText:
      case MessageKind.FrameToEdgeBinary: {
        this.counters.framesReceived++;
        const link = this.edgeLinks.get(envelope.id);
        if (link?.peer === envelope.from) link.receive(envelope.seq, frameOf(envelope, MessageKind.FrameToEdgeText));
        return;
      }
      case MessageKind.CloseToOwner:
        return this.ownerLinks.get(`${envelope.from}/${envelope.id}`)?.end();
      case MessageKind.CloseToEdge: {
        const link = this.edgeLinks.get(envelope.id);
        if (link?.peer === envelope.from) link.end();
        return;
      }
      case MessageKind.Abandon:
        return this.serving.get(`${envelope.from}/${envelope.id}`)?.abort();
    }
  }

  private answered(envelope: Envelope): void {
    const entry = this.pending.get(envelope.id);
    const expected = entry?.kind === MessageKind.Poll ? MessageKind.Answer : MessageKind.Opened;
    // an answer from another node than the one asked, or of the wrong kind, is not this request's answer
    if (!entry || entry.owner !== envelope.from || envelope.kind !== expected) {
      debug("answer %d from %s matches no pending request (late or foreign): dropped", envelope.id, envelope.from);
      return;
    }
    this.pending.delete(envelope.id);
    clearTimeout(entry.timer);
    entry.resolve(envelope);
  }

  private servePoll(envelope: Envelope): void {
    const poll = envelope.head as WirePoll;
    const answer = (head: WireAnswerHead, body?: Buffer) => this.publishAnswer(envelope, head, body);
    if (!this.handlers) return answer({ refused: "router not bound to a server yet" });
    const key = `${envelope.from}/${envelope.id}`;
    if (this.serving.size >= this.options.maxPendingRequests || this.serving.has(key)) {
      this.reportDiagnostic({
        kind: "limit",
        name: "maxPendingRequests",
        message: `${this.serving.size} polls forwarded by other nodes are being served, maxPendingRequests (${this.options.maxPendingRequests})`,
        action: "poll refused",
        sid: poll.sid,
        remoteAddress: poll.remoteAddress,
        value: this.serving.size,
        limit: this.options.maxPendingRequests,
      });
      return answer({ refused: "overloaded" });
    }
    const abandoned = new AbortController();
    this.serving.set(key, abandoned);
    this.counters.servedPolls++;
    // the body is a view into the Redis message: copy it, the engine may keep it past this call
    this.handlers
      .servePoll({ ...poll, body: Buffer.from(envelope.body) }, abandoned.signal)
      .then(
        (result) => {
          // the forwarder stopped waiting: its request id is no longer pending there
          if (!abandoned.signal.aborted) answer({ status: result.status, headers: result.headers }, result.body);
        },
        (error: Error) => {
          debug("serving a forwarded poll for %s failed: %s", poll.sid, error.message);
          answer({ refused: "the owner failed to serve the poll" });
        },
      )
      .finally(() => this.serving.delete(key));
  }

  private publishAnswer(request: Envelope, head: WireAnswerHead, body?: Buffer): void {
    let message = encodeEnvelope(MessageKind.Answer, this.nodeId, request.id, 0, head, body);
    if (message.length > this.options.maxMessageBytes) {
      const sid = (request.head as WirePoll).sid;
      this.reportDiagnostic({
        kind: "limit",
        name: "maxMessageBytes",
        message: `answer of ${message.length} bytes to a forwarded poll over maxMessageBytes (${this.options.maxMessageBytes})`,
        action: "poll answered with an error",
        sid,
        value: message.length,
        limit: this.options.maxMessageBytes,
      });
      message = encodeEnvelope(MessageKind.Answer, this.nodeId, request.id, 0, { refused: "answer over maxMessageBytes" });
    }
    this.publisher.publish(this.channelOf(request.from), message).catch((error: Error) => {
      debug("could not publish an answer to %s: %s", request.from, error.message);
    });
  }

  private adopt(envelope: Envelope): void {
    const upgrade = envelope.head as WireUpgrade;
    const key = `${envelope.from}/${envelope.id}`;
    let adopted = false;
    if (this.handlers && !this.ownerLinks.has(key)) {
      const link = new RelayLink(this, envelope.from, envelope.id, "owner", upgrade.sid);
      this.ownerLinks.set(key, link);
      adopted = this.handlers.adoptLink(upgrade, link);
      if (!adopted) {
        this.ownerLinks.delete(key);
        link.end();
      } else {
        this.counters.relayedAsOwner++;
        this.liveness.watch();
      }
    }
    const message = encodeEnvelope(MessageKind.Opened, this.nodeId, envelope.id, 0, { adopted } satisfies WireOpened);
    this.publisher.publish(this.channelOf(envelope.from), message).catch((error: Error) => {
      debug("could not answer the opening of link %s: %s", key, error.message);
    });
  }

  // ---- LinkCarrier: what relay links call ----

  publishFrame(link: RelayLink, seq: number, frame: string | Buffer): Promise<number> {
    const text = typeof frame === "string";
    const kind =
      link.side === "edge"
        ? text
          ? MessageKind.FrameToOwnerText
          : MessageKind.FrameToOwnerBinary
        : text
          ? MessageKind.FrameToEdgeText
          : MessageKind.FrameToEdgeBinary;
    const message = encodeEnvelope(kind, this.nodeId, link.id, seq, undefined, frame);
    if (message.length > this.options.maxMessageBytes) {
      this.reportDiagnostic({
        kind: "limit",
        name: "maxMessageBytes",
        message: `relayed WebSocket frame of ${message.length} bytes over maxMessageBytes (${this.options.maxMessageBytes})`,
        action: "relayed WebSocket closed",
        sid: link.sid,
        transport: "websocket",
        value: message.length,
        limit: this.options.maxMessageBytes,
      });
      link.close();
      return Promise.resolve(1);
    }
    this.counters.framesSent++;
    return this.publisher.publish(this.channelOf(link.peer), message).then(Number);
  }

  publishClose(link: RelayLink): void {
    const kind = link.side === "edge" ? MessageKind.CloseToOwner : MessageKind.CloseToEdge;
    this.publisher.publish(this.channelOf(link.peer), encodeEnvelope(kind, this.nodeId, link.id, 0, undefined)).catch((error: Error) => {
      debug("could not publish the close of link %d to %s: %s", link.id, link.peer, error.message);
    });
  }

  forget(link: RelayLink): void {
    if (link.side === "edge") {
      if (this.edgeLinks.get(link.id) === link) this.edgeLinks.delete(link.id);
    } else {
      const key = `${link.peer}/${link.id}`;
      if (this.ownerLinks.get(key) === link) this.ownerLinks.delete(key);
    }
  }

  reportLimit(link: RelayLink, value: number): void {
    this.reportDiagnostic({
      kind: "limit",
      name: "maxRelayBufferedBytes",
      message: `relayed WebSocket (${link.side} side, peer ${link.peer}) has ${value} bytes waiting, over maxRelayBufferedBytes (${this.options.maxRelayBufferedBytes})`,
      action: "relayed WebSocket closed",
      sid: link.sid,
      transport: "websocket",
      value,
      limit: this.options.maxRelayBufferedBytes,
    });
  }

  reportViolation(link: RelayLink, message: string): void {
    this.reportDiagnostic({
      kind: "violation",
      name: "relay-out-of-order",
      message: `relayed WebSocket (${link.side} side, peer ${link.peer}): ${message}`,
      action: "relayed WebSocket closed",
      sid: link.sid,
      transport: "websocket",
    });
  }

  private reportDiagnostic(diagnostic: Diagnostic): void {
    debug("%s %s: %s (%s)", diagnostic.kind, diagnostic.name, diagnostic.message, diagnostic.action);
    try {
      this.report(diagnostic);
    } catch (error) {
      debug("a diagnostic sink threw: %s", error);
    }
  }

  /** Unsubscribes, fails every pending request and ends every link (the peers see their links close). */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const link of [...this.edgeLinks.values(), ...this.ownerLinks.values()]) link.close();
    this.closed = true;
    this.liveness.stop();
    for (const id of [...this.pending.keys()]) this.giveUp(id, new ForwardError("closed", "the session router closed"));
    for (const controller of this.serving.values()) controller.abort();
    // With Redis unreachable an UNSUBSCRIBE would wait for a reconnection that may never come (a node
    // shutting down during an outage would never finish closing): skip it; messages that still arrive
    // after a reconnection are ignored (`closed`), and an owned subscriber is destroyed by the router.
    if (!this.subscriber.isReady()) return;
    await this.subscriber.unsubscribe([this.channelOf(this.nodeId)], this.onMessage).catch((error: Error) => {
      debug("could not unsubscribe: %s", error.message);
    });
  }
}

function frameOf(envelope: Envelope, textKind: MessageKind): string | Buffer {
  // binary frames are copied: the Redis message they are a view of is not ours to keep
  return envelope.kind === textKind ? envelope.body.toString("utf8") : Buffer.from(envelope.body);
}
