/**
 * Upgrade requests on their way through a framework's router, found again by the raw request
 * once they reach the engine's route. See `PendingUpgrade` (shared with the engine's own
 * `use()` middlewares) for the stand-in response they travel with.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { PendingUpgrade, type HandshakeHeaders } from "../engine/upgrade-response.js";
import type { UpgradeOptions } from "../engine/server.js";

export { PendingUpgrade };
export type { HandshakeHeaders };

/** Default bound on the time an upgrade may spend in a framework's middleware and hooks. */
export const DEFAULT_UPGRADE_TIMEOUT = 10_000;

export interface PendingUpgradeOptions {
  /**
   * Milliseconds the request may stay in the framework's middleware / hooks before it is answered
   * `408 Request Timeout` and closed. Default `DEFAULT_UPGRADE_TIMEOUT` (10 s); 0 or Infinity: no bound.
   */
  timeout?: number;
  /** Told when the timeout answered the request (for logging). */
  onTimeout?: (req: IncomingMessage) => void;
  /** Told about a socket error (a peer reset...) while the request is pending (for logging). */
  onSocketError?: (error: Error, req: IncomingMessage) => void;
}

/**
 * What a request that came in through an `upgrade` event is at: on its way (its `PendingUpgrade`),
 * or already handed to the engine (`HANDED_OVER`). The request lives as long as the connection
 * (`socket.request`), so once handed over it must no longer reach the stand-in response, the
 * head buffer or the closures of its journey: only this shared marker stays.
 */
const HANDED_OVER = Symbol("sockline.upgrade.handedOver");
const upgradesByRequest = new WeakMap<IncomingMessage, PendingUpgrade | typeof HANDED_OVER>();

/** Starts the journey of an upgrade request through a framework: dispatch it with `upgrade.response`. */
export function beginPendingUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: PendingUpgradeOptions = {},
): PendingUpgrade {
  const { onSocketError } = options;
  const upgrade = new PendingUpgrade(req, socket, head, onSocketError && ((error) => onSocketError(error, req)));
  upgrade.expireAfter(options.timeout ?? DEFAULT_UPGRADE_TIMEOUT, options.onTimeout && (() => options.onTimeout!(req)));
  upgradesByRequest.set(req, upgrade);
  return upgrade;
}

/**
 * The upgrade the raw request carries while it is on its way through the framework, if it came in
 * through an `upgrade` event (else it is a plain request, or an upgrade already handed over).
 */
export function pendingUpgradeOf(req: IncomingMessage): PendingUpgrade | undefined {
  const upgrade = upgradesByRequest.get(req);
  return upgrade === HANDED_OVER ? undefined : upgrade;
}

/** Whether `req` came in through an `upgrade` event (pending, answered or handed over). */
export function isUpgradeRequest(req: IncomingMessage): boolean {
  return upgradesByRequest.has(req);
}

/**
 * Takes the socket of the pending upgrade of `req` for the engine and forgets the journey: after
 * this, nothing reachable from the request or the socket leads to the stand-in response.
 */
function takeForHandOver(req: IncomingMessage, upgrade: PendingUpgrade): boolean {
  if (!upgrade.take()) return false;
  upgradesByRequest.set(req, HANDED_OVER);
  return true;
}

/** What `handOverUpgrade` needs from a Socket.IO server (or from an engine, as `{ engine }`). */
export interface UpgradeTarget {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options?: UpgradeOptions): void;
}

/**
 * Called by the framework route that serves the engine path: if `req` is a pending upgrade, hands
 * its socket to the engine, with the headers set on the way (on the stand-in response, plus
 * `extraHeaders`, e.g. a framework reply's own headers) added to the 101 answer, and returns true.
 * Returns false for an ordinary HTTP request (serve it with `io.handleRequest`). Returns true
 * without doing anything if the upgrade was already handed over or answered (another listener
 * routed the same request, or the timeout fired).
 */
export function handOverUpgrade(target: UpgradeTarget, req: IncomingMessage, extraHeaders?: HandshakeHeaders): boolean {
  const upgrade = upgradesByRequest.get(req);
  if (upgrade === undefined) return false;
  if (upgrade === HANDED_OVER || !takeForHandOver(req, upgrade)) return true;
  const headers = { ...upgrade.collectHeaders(), ...extraHeaders };
  target.handleUpgrade(req, upgrade.socket, upgrade.head, { headers });
  return true;
}
