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

const pendingUpgrades = new WeakMap<IncomingMessage, PendingUpgrade>();

/** Starts the journey of an upgrade request through a framework: dispatch it with `upgrade.response`. */
export function beginPendingUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options: PendingUpgradeOptions = {}): PendingUpgrade {
  const { onSocketError } = options;
  const upgrade = new PendingUpgrade(req, socket, head, onSocketError && ((error) => onSocketError(error, req)));
  upgrade.expireAfter(options.timeout ?? DEFAULT_UPGRADE_TIMEOUT, options.onTimeout && (() => options.onTimeout!(req)));
  pendingUpgrades.set(req, upgrade);
  return upgrade;
}

/** The upgrade the raw request carries, if it came in through an `upgrade` event (else it is a plain request). */
export function pendingUpgradeOf(req: IncomingMessage): PendingUpgrade | undefined {
  return pendingUpgrades.get(req);
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
  const upgrade = pendingUpgradeOf(req);
  if (upgrade === undefined) return false;
  if (!upgrade.take()) return true;
  const headers = { ...upgrade.collectHeaders(), ...extraHeaders };
  target.handleUpgrade(req, upgrade.socket, upgrade.head, { headers });
  return true;
}
