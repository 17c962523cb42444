/**
 * The seam between the engine and a session router: what lets several Sockline nodes (cluster
 * workers, machines) serve each other's sessions without sticky sessions.
 *
 * The model (see `docs/session-routing.md`): a session lives on the node where its handshake
 * happened, its owner, and never moves. Its id names the owner (`<nodeId>.<secret>`), so any node
 * that receives a request for a session it does not hold knows, without a lookup, where to forward
 * it. Polling requests travel as `ForwardedPoll` / `ForwardedAnswer` messages; an upgrade either
 * hands the raw socket over (same machine) or is completed by the receiving node, which then relays
 * the WebSocket's frames (`RelayedWebSocket`).
 *
 * Implemented by `@sockline/core/cluster` (Node's cluster IPC) and `@sockline/redis-adapter` (Redis).
 * The engine implements `RoutedNode` and hands it to the router once (`bind`).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { Diagnostics } from "./diagnostics.js";

/** A polling request of a session owned by another node, as the receiving node forwards it. */
export interface ForwardedPoll {
  sid: string;
  method: "GET" | "POST";
  /** Path and query of the original request. */
  url: string;
  /**
   * The request's headers, lower-case names, repeated ones joined with ", " (`set-cookie` never
   * appears in a request). The owner answers as for a local request: `accept-encoding` decides the
   * compression, `user-agent` the IE header, `headers` listeners see them all.
   */
  headers: Record<string, string>;
  /** The POST body, already read and bounded by `maxHttpBufferSize`; empty for a GET. */
  body: Buffer;
  /** The client's address as the receiving node saw it. */
  remoteAddress: string;
}

/** The owner's answer to a `ForwardedPoll`, written as is by the receiving node. */
export interface ForwardedAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** A WebSocket upgrade of a session owned by another node. */
export interface ForwardedUpgrade {
  sid: string;
  /** Path and query of the original request. */
  url: string;
  /** The request's headers as received (lower-case names). */
  headers: Record<string, string | string[]>;
  remoteAddress: string;
  /**
   * Headers for the 101 answer that the receiving node's middlewares and framework hooks set
   * (the engine's own `headers` listeners run on the node that writes the 101).
   */
  responseHeaders?: Record<string, string | string[]>;
}

/** A WebSocket held by another node for a session of this node: its frames travel through the router. */
export interface RelayedWebSocket {
  /** Sends a frame towards the client (a string: a text frame; a Buffer: a binary frame). */
  send(frame: string | Buffer): void;
  /** Closes the WebSocket on the node that holds it. */
  close(): void;
  /** A frame from the client. */
  onFrame(listener: (frame: string | Buffer) => void): void;
  /** The WebSocket closed (either side), or the link to the node that holds it broke. */
  onClose(listener: () => void): void;
  /**
   * Optional: bytes sent and not yet relayed (queued by the router). When given, they count
   * towards the session's `maxBufferedBytes`, as a local WebSocket's unsent data does.
   */
  readonly bufferedAmount?: number;
}

/** The engine as a router sees it (implemented by the engine `Server`, handed to `SessionRouter.bind`). */
export interface RoutedNode {
  /** The engine's reporter: a router reports what it refuses (invalid or oversized messages, its bounds) there. */
  readonly diagnostics: Diagnostics;
  /**
   * Serves a poll forwarded by another node as if it had arrived here: a GET is held until there
   * is something to send or the ping is due. Never rejects: failures are answers (400 "Session ID
   * unknown" for a session that is not here). `abandoned` fires when the forwarder gave up (its
   * client went away, its bound passed): a held GET is then released without its packets.
   */
  servePoll(poll: ForwardedPoll, abandoned?: AbortSignal): Promise<ForwardedAnswer>;
  /**
   * Takes over an upgrade whose raw socket another node passed here (same machine): completes the
   * WebSocket handshake and upgrades the session. The receiving node already ran the hooks.
   * `head`: the bytes read past the request's headers.
   */
  adoptUpgrade(upgrade: ForwardedUpgrade, socket: Duplex, head: Buffer): void;
  /**
   * Receiving side of a relayed upgrade (across machines): completes the WebSocket handshake here
   * for a session another node owns. Resolves to the open WebSocket, whose frames the router then
   * relays, or undefined when the handshake failed (already answered and reported).
   */
  acceptRelayedUpgrade(upgrade: ForwardedUpgrade, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | undefined>;
  /**
   * Owner side of a relayed upgrade: gives session `sid` a WebSocket transport over `link`. False
   * when the session is not here or cannot upgrade (the router then closes the link).
   */
  adoptRelayedWebSocket(sid: string, link: RelayedWebSocket): boolean;
}

/**
 * Routes the requests of sessions this node does not hold to their owner. Set with the engine
 * (and Socket.IO `Server`) option `sessionRouter`; one router per engine.
 */
export interface SessionRouter {
  /** This node's id: `[A-Za-z0-9_-]{1,64}`, unique among the nodes that route to each other. */
  readonly nodeId: string;
  /** Called once by the engine, with the engine itself, when it is created. */
  bind(node: RoutedNode): void;
  /**
   * A new session id that names this node as its owner. `base`: the id the engine's `generateId`
   * made (20 random base64url characters, or the user's override), which the router keeps as the
   * secret part; see `routedSessionId`.
   */
  newSessionId(base: string): string;
  /** The node that owns `sid`, or undefined when `sid` is not a routed id (then it is only looked up here). */
  ownerOf(sid: string): string | undefined;
  /**
   * Has `owner` serve `poll`. Should reject (or answer 400) at once when the owner is known to be
   * gone; the engine bounds the wait anyway (`forwardTimeout`) and aborts `abandoned` when it gives up.
   */
  forwardPoll(owner: string, poll: ForwardedPoll, abandoned?: AbortSignal): Promise<ForwardedAnswer>;
  /**
   * Has `owner` take the upgrade: passes `socket` over (cluster), or accepts it here with
   * `RoutedNode.acceptRelayedUpgrade` and relays the frames (Redis). From this call on, `socket`
   * belongs to the router: it must answer or destroy it.
   */
  forwardUpgrade(owner: string, upgrade: ForwardedUpgrade, req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Stops routing (pending forwards fail); called by whoever created the router, not by the engine. */
  close(): Promise<void>;
}

/** A node id: what `ownerOf` can read back from a session id. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The character between the owner's id and the secret part of a routed session id (not in a node id). */
export const OWNER_SEPARATOR = ".";

/**
 * The routed session id `<nodeId>.<base>`: the owner first, then the secret the engine generated
 * (`generateId`, or its override: a user's ids are kept whole, prefixed). A client that forges the
 * prefix only reaches another node, which does not hold the secret and answers "Session ID unknown".
 */
export function routedSessionId(nodeId: string, base: string): string {
  if (!NODE_ID_PATTERN.test(nodeId)) throw new TypeError(`invalid node id ${JSON.stringify(nodeId)}: ${NODE_ID_PATTERN} expected`);
  return nodeId + OWNER_SEPARATOR + base;
}

/** The owner named by a routed session id, or undefined when `sid` is not one. */
export function ownerOfRoutedSessionId(sid: string): string | undefined {
  const at = sid.indexOf(OWNER_SEPARATOR);
  if (at <= 0 || at > 64 || at === sid.length - 1) return undefined;
  const owner = sid.slice(0, at);
  return NODE_ID_PATTERN.test(owner) ? owner : undefined;
}
