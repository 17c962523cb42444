/**
 * `SessionRouter` over Redis: several Sockline nodes, on any number of machines, behind a balancer without session
 * affinity. A request for a session another node owns is forwarded to that node over Redis Pub/Sub:
 *
 * - polling: the poll travels as one message, the owner serves it with its real polling transport and the answer
 *   travels back (one Redis round trip per forwarded poll);
 * - upgrade: the owner is asked first whether it adopts a WebSocket for the session (one round trip), then this node
 *   completes the WebSocket handshake and relays every frame both ways (one PUBLISH per frame per direction).
 *
 * Independent of the adapter: pass this router as the server's `sessionRouter` option and any adapter (the classic or
 * the streams Redis adapter for broadcasts, rooms and connection state recovery) as its `adapter` option.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import {
  Diagnostics,
  ownerOfRoutedSessionId,
  routedSessionId,
  type Diagnostic,
  type ForwardedAnswer,
  type ForwardedPoll,
  type ForwardedUpgrade,
  type RoutedNode,
  type SessionRouter,
} from "@sockline/core/engine";
import { wrapRedisClient, type RedisClientLike, type RedisConnection } from "../redis-client.js";
import { zeroRouterCounters } from "./forward-error.js";
import { isNodeId, newNodeId } from "./node-id.js";
import type { RelayLink } from "./relay-link.js";
import { ForwardError, RouterTransport, type RouterStats, type RouterTransportOptions } from "./router-transport.js";
import { relayWebSocket, refuseRelayedUpgrade, type ClientWebSocket } from "./websocket-relay.js";

const debug = createDebug("sockline:redis-session-router");

export interface RedisSessionRouterOptions {
  /** This node's id (`[A-Za-z0-9_-]{1,64}`, unique among the nodes); random by default. It is visible in session ids. */
  nodeId?: string;
  /** A client to subscribe with; by default a duplicate of the publishing client (closed by `close()`). */
  subClient?: RedisClientLike;
  /** Channel prefix: nodes route only to nodes of the same prefix (default `"sockline-router"`). */
  channelPrefix?: string;
  /**
   * Backstop for one forwarded request, in ms (default 60000). The engine gives up first, after its own
   * `forwardTimeout` (`pingInterval + pingTimeout + 5000` by default); keep this one longer.
   */
  requestTimeout?: number;
  /** Forwarded requests waiting for answers at once, and requests of other nodes being served here (default 10000 each). */
  maxPendingRequests?: number;
  /**
   * Largest message over Redis in bytes (default 8 MiB): a forwarded POST body, a poll's answer, a relayed frame, plus
   * ~100 bytes of header. The engine bounds the first by `maxHttpBufferSize` and the second, mostly, by
   * `maxBufferedBytes`; an answer past it is replaced by an error (the client reconnects), a frame past it closes
   * its WebSocket.
   */
  maxMessageBytes?: number;
  /**
   * Bytes one relayed WebSocket may have waiting, on either node (frames not yet taken by Redis, or not yet
   * written to the client), before it is closed (default 4 MiB, like `maxBufferedBytes`).
   */
  maxRelayBufferedBytes?: number;
  /** How often, while forwards or relayed WebSockets are open, the nodes they wait on are checked to be alive (ms, default 1000). */
  livenessInterval?: number;
}

export const DEFAULT_ROUTER_OPTIONS = {
  channelPrefix: "sockline-router",
  requestTimeout: 60_000,
  maxPendingRequests: 10_000,
  maxMessageBytes: 8 * 1024 * 1024,
  maxRelayBufferedBytes: 4 * 1024 * 1024,
  livenessInterval: 1000,
} satisfies RouterTransportOptions;

export class RedisSessionRouter implements SessionRouter {
  readonly nodeId: string;
  /**
   * The router's diagnostics (limits reached, invalid messages from Redis, relayed WebSockets closed). They also go to
   * the `Diagnostics` of the server the router is bound to, when the bound node exposes one.
   */
  readonly diagnostics = new Diagnostics();
  /** Resolves once this node is subscribed, i.e. reachable by the others. Await it before accepting clients. */
  readonly ready: Promise<void>;
  private readonly transport: Promise<RouterTransport>;
  private readonly publisher: RedisConnection;
  private readonly ownedSubscriber: Promise<RedisConnection> | undefined;
  private node: RoutedNode | undefined;
  private readonly options: RouterTransportOptions;
  private closed = false;
  private started: RouterTransport | undefined;

  constructor(pubClient: RedisClientLike, opts: RedisSessionRouterOptions = {}) {
    const { nodeId = newNodeId(), subClient, ...rest } = opts;
    if (!isNodeId(nodeId))
      throw new TypeError(`@sockline/redis-adapter: invalid nodeId ${JSON.stringify(nodeId)}: [A-Za-z0-9_-]{1,64} expected`);
    this.nodeId = nodeId;
    this.options = { ...DEFAULT_ROUTER_OPTIONS, ...withoutUndefined(rest) };
    for (const name of ["requestTimeout", "maxPendingRequests", "maxMessageBytes", "maxRelayBufferedBytes", "livenessInterval"] as const) {
      if (!(this.options[name] > 0)) throw new TypeError(`@sockline/redis-adapter: the "${name}" option must be a positive number`);
    }
    this.publisher = wrapRedisClient(pubClient);
    const subscriber = subClient === undefined ? this.publisher.duplicate() : Promise.resolve(wrapRedisClient(subClient));
    this.ownedSubscriber = subClient === undefined ? subscriber : undefined;
    this.transport = subscriber.then((connection) => RouterTransport.start(this.publisher, connection, this.nodeId, this.options));
    this.transport.then(
      (transport) => {
        this.started = transport;
        transport.report = (diagnostic) => this.report(diagnostic);
        transport.setHandlers({
          servePoll: (poll, abandoned) => this.boundNode().servePoll(poll, abandoned),
          adoptLink: (upgrade, link) => this.adopt(upgrade.sid, link),
        });
        debug("node %s subscribed", this.nodeId);
      },
      (error: Error) => debug("node %s could not subscribe: %s", this.nodeId, error.message),
    );
    this.ready = this.transport.then(() => undefined);
    // a user who never awaits `ready` must not get an unhandled rejection (forwards report the failure themselves)
    this.ready.catch(() => {});
  }

  /** What this node forwarded, served and relayed so far (all zeros until `ready`). */
  stats(): RouterStats {
    return this.started?.stats() ?? { ...zeroRouterCounters(), pendingRequests: 0, openLinks: 0 };
  }

  bind(node: RoutedNode): void {
    if (this.node && this.node !== node)
      throw new Error("@sockline/redis-adapter: a session router serves one server; create one router per server");
    this.node = node;
  }

  newSessionId(base: string): string {
    return routedSessionId(this.nodeId, base);
  }

  ownerOf(sid: string): string | undefined {
    return ownerOfRoutedSessionId(sid);
  }

  async forwardPoll(owner: string, poll: ForwardedPoll, abandoned?: AbortSignal): Promise<ForwardedAnswer> {
    const transport = await this.transport;
    const { body, ...head } = poll;
    return transport.forwardPoll(owner, head, body, abandoned);
  }

  forwardUpgrade(owner: string, upgrade: ForwardedUpgrade, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // until the handshake is done the socket is ours: a reset must not become an uncaught error
    const onError = () => socket.destroy();
    socket.on("error", onError);
    void this.relayUpgrade(owner, upgrade, req, socket, head).finally(() => socket.removeListener("error", onError));
  }

  private async relayUpgrade(owner: string, upgrade: ForwardedUpgrade, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let link: RelayLink;
    try {
      const transport = await this.transport;
      const { responseHeaders: _, ...wire } = upgrade;
      link = await transport.openLink(owner, wire);
    } catch (error) {
      const reason = error instanceof ForwardError ? error.reason : "redis";
      debug("upgrade of session %s not relayed to %s: %s", upgrade.sid, owner, (error as Error).message);
      if (reason !== "refused") {
        this.report({
          kind: "routing",
          name: "forward-failed",
          message: `upgrade of session ${upgrade.sid} could not be relayed to node ${owner}: ${(error as Error).message}`,
          action: "upgrade refused (400)",
          sid: upgrade.sid,
          remoteAddress: upgrade.remoteAddress,
          transport: "websocket",
        });
      }
      refuseRelayedUpgrade(socket);
      return;
    }
    if (socket.destroyed) {
      link.close();
      return;
    }
    let ws: ClientWebSocket | undefined;
    try {
      ws = await this.boundNode().acceptRelayedUpgrade(upgrade, req, socket, head);
    } catch (error) {
      debug("handshake of relayed session %s failed: %s", upgrade.sid, (error as Error).message);
      socket.destroy();
    }
    if (!ws) {
      link.close();
      return;
    }
    relayWebSocket(ws, link, this.options.maxRelayBufferedBytes, (diagnostic) => this.report(diagnostic));
  }

  private adopt(sid: string, link: RelayLink): boolean {
    if (!this.node || this.ownerOf(sid) !== this.nodeId) return false;
    return this.node.adoptRelayedWebSocket(sid, link);
  }

  private boundNode(): RoutedNode {
    if (!this.node) throw new Error("@sockline/redis-adapter: the session router is not bound to a server yet");
    return this.node;
  }

  private report(diagnostic: Diagnostic): void {
    this.diagnostics.report(diagnostic);
    // the seam gives routers no Diagnostics: use the bound server's when it exposes one
    const serverDiagnostics = (this.node as { diagnostics?: unknown } | undefined)?.diagnostics;
    if (serverDiagnostics instanceof Diagnostics && serverDiagnostics !== this.diagnostics) serverDiagnostics.report(diagnostic);
  }

  /** Fails pending forwards, closes the relayed WebSockets and unsubscribes. The user's clients stay open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const transport = await this.transport.catch(() => undefined);
    await transport?.close();
    const subscriber = await this.ownedSubscriber?.catch(() => undefined);
    await subscriber?.close().catch((error: Error) => debug("error while closing the subscriber: %s", error.message));
  }
}

/**
 * A session router over Redis for the server's `sessionRouter` option: no sticky sessions needed in front of several
 * Sockline nodes. `pubClient`: a connected `redis` (v4/v5) or `ioredis` client (it may be the one the adapter uses).
 */
export function createRedisSessionRouter(pubClient: RedisClientLike, options?: RedisSessionRouterOptions): RedisSessionRouter {
  return new RedisSessionRouter(pubClient, options);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
