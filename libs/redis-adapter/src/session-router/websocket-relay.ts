/**
 * The edge side of a relayed WebSocket: the client's WebSocket (accepted on this node) wired to the relay link that
 * reaches the session's owner.
 */
import type { Duplex } from "node:stream";
import createDebug from "debug";
import type { Diagnostic } from "@sockline/core/engine";
import type { RelayLink } from "./relay-link.js";

const debug = createDebug("sockline:redis-session-router");

const OPEN = 1;

/** What the relay uses of the `ws` WebSocket the engine accepted (structural: this package does not depend on `ws`). */
export interface ClientWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  on(event: "message", listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  send(data: string | Buffer, options: { binary: boolean }): void;
  close(): void;
  terminate(): void;
}

/**
 * Frames from the client go to the owner, frames from the owner go to the client, in order; whichever side closes
 * closes the other. A client that does not read what the owner sends it is dropped past `maxBufferedBytes` (the
 * owner's own `maxBufferedBytes` cannot see this node's socket buffer).
 */
export function relayWebSocket(
  ws: ClientWebSocket,
  link: RelayLink,
  maxBufferedBytes: number,
  report: (diagnostic: Diagnostic) => void,
): void {
  ws.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    link.send(isBinary ? frame : frame.toString("utf8"));
  });
  ws.on("close", () => link.close());
  ws.on("error", (error) => debug("relayed WebSocket of session %s: %s", link.sid, error.message));
  link.onFrame((frame) => {
    if (ws.readyState !== OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      report({
        kind: "limit",
        name: "maxRelayBufferedBytes",
        message: `relayed WebSocket has ${ws.bufferedAmount} bytes waiting to be written to its client, over maxRelayBufferedBytes (${maxBufferedBytes})`,
        action: "relayed WebSocket closed",
        sid: link.sid,
        transport: "websocket",
        value: ws.bufferedAmount,
        limit: maxBufferedBytes,
      });
      ws.terminate();
      link.close();
      return;
    }
    ws.send(frame, { binary: typeof frame !== "string" });
  });
  link.onClose(() => {
    if (ws.readyState === OPEN) ws.close();
    else ws.terminate();
  });
}

/** The owner does not know the session (or cannot upgrade it): the answer a local unknown session gets. */
export function refuseRelayedUpgrade(socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ code: 1, message: "Session ID unknown" });
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
