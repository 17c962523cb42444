import type { RemoteSocketDetails } from "./protocol.js";

/**
 * What other nodes learn about a local socket in a `fetchSockets` response. `sessionStore` (express-session) is
 * dropped from the handshake: it may hold circular references and is of no use on another node.
 */
export function describeSocket(socket: any): RemoteSocketDetails {
  const { sessionStore: _sessionStore, ...handshake } = (socket.handshake ?? {}) as Record<string, unknown>;
  return { id: socket.id, handshake, rooms: [...socket.rooms], data: socket.data };
}
