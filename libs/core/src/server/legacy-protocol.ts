/**
 * Socket.IO protocol 4, spoken by socket.io-client 2.x over Engine.IO 3 (`allowEIO3`): where it
 * differs from protocol 5, as the reference server handles a connection whose `conn.protocol` is 3.
 * The packet encoding is the same; what differs is around connecting:
 * - the client never sends a CONNECT for the main namespace: the server connects it to `/` as soon
 *   as the engine connection opens (`Client`);
 * - a CONNECT to another namespace carries the client's query in the namespace name
 *   (`0/chat?token=abc,`): the name is its path, the query becomes the socket's `handshake.auth`;
 * - the server's CONNECT answer has no payload (the client takes its socket id from the engine id);
 * - a middleware's refusal is an ERROR packet whose payload is the error's `data`, or else its
 *   message (`4"not authorized"`), which the client emits as "error";
 * - socket ids are the engine id (`/chat#<engine id>` outside `/`): the client computes its own
 *   `socket.id` that way, and applications match the two.
 */
/** Whether an engine connection speaks the protocol of socket.io-client 2.x. */
export function isLegacyConnection(conn: { readonly protocol: number }): boolean {
  return conn.protocol === 3;
}

/** The namespace and auth of a protocol 4 CONNECT (`/chat?token=abc` → `/chat`, `{ token: "abc" }`). */
export function parseLegacyConnect(nsp: string): { name: string; auth: Record<string, string> } {
  // parsed as a URL, as the reference does (so `/a/../b` is `/b`); a repeated name keeps its last value
  let url: URL;
  try {
    url = new URL(nsp, "https://socket.io");
  } catch {
    // thrown inside the decoding of the packet: the connection is closed as for any invalid packet
    throw new Error(`invalid namespace in a CONNECT packet: ${JSON.stringify(nsp.slice(0, 100))}`);
  }
  return { name: url.pathname, auth: Object.fromEntries(url.searchParams.entries()) };
}

/** The socket id the client computes for itself in namespace `nsp`. */
export function legacySocketId(nsp: string, engineId: string): string {
  return nsp === "/" ? engineId : `${nsp}#${engineId}`;
}

/** The payload of the ERROR packet a protocol 4 client gets when a middleware refuses it. */
export function legacyConnectError(err: { message: string; data?: unknown }): unknown {
  return err.data || err.message;
}
