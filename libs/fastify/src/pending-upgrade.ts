import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/**
 * An HTTP upgrade request on its way through Fastify's router. Fastify only knows how to answer
 * with a `ServerResponse`, so the request travels with a stand-in response bound to the raw
 * socket: if a hook rejects it (401, 429, 404...), Fastify's reply is written straight to the
 * socket, which is then closed. If the request reaches the engine route, the socket is taken back
 * from the stand-in response and handed to the engine.
 */
export interface PendingUpgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
  /** The stand-in response Fastify writes to when a hook rejects the upgrade. */
  readonly response: ServerResponse;
  /** Detaches the socket from the stand-in response; returns false if already taken or answered. */
  take(): boolean;
  /**
   * The headers set on the stand-in response, for the handshake answer. Runs the `writeHead`
   * hooks first (express-session sets its cookie there); call after `take()`.
   */
  collectHeaders(): OutgoingHttpHeaders;
}

const pendingUpgrades = new WeakMap<IncomingMessage, PendingUpgrade>();

export function createPendingUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): PendingUpgrade {
  const response = new ServerResponse(req);
  // The connection cannot be reused after a refused upgrade: say so in the refusal.
  response.shouldKeepAlive = false;
  response.assignSocket(socket as Socket);
  let settled = false;
  response.once("finish", () => {
    if (settled) return;
    settled = true;
    // The refusal has been handed to the socket: flush it, then close.
    socket.end(() => socket.destroy());
  });
  const pending: PendingUpgrade = {
    socket,
    head,
    response,
    take() {
      if (settled) return false;
      settled = true;
      response.detachSocket(socket as Socket);
      return true;
    },
    collectHeaders() {
      // Detached: writeHead only runs its hooks and stores the head, nothing reaches the socket.
      if (!response.headersSent) response.writeHead(101);
      return response.getHeaders();
    },
  };
  pendingUpgrades.set(req, pending);
  return pending;
}

/** The upgrade the raw request carries, if it came in through the `upgrade` event. */
export function pendingUpgradeOf(req: IncomingMessage): PendingUpgrade | undefined {
  return pendingUpgrades.get(req);
}
