// The official socket.io-client, set up the way tests want it: a Manager of its own (forceNew) and
// no reconnection unless asked for, so every test closes exactly what it opened.
import { io, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from "socket.io-client";
import { SAFETY_NET_MS } from "./events.js";

export type { ClientSocket };
export type ClientOptions = Partial<ManagerOptions & SocketOptions>;
export type ConnectError = Error & { data?: unknown };

/** A new client, not yet awaited, with the official default transports (polling, then upgrade). */
export function openClient(url: string, options: ClientOptions = {}): ClientSocket {
  return io(url, { forceNew: true, reconnection: false, ...options });
}

/** Whichever comes first on `client`: "connect", or "connect_error" with its error. */
function connectOutcome(client: ClientSocket, what: string): Promise<{ error?: ConnectError }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, SAFETY_NET_MS);
    const onConnect = () => {
      stop();
      resolve({});
    };
    const onError = (error: ConnectError) => {
      stop();
      resolve({ error });
    };
    const stop = () => {
      clearTimeout(timer);
      client.off("connect", onConnect);
      client.off("connect_error", onError);
    };
    client.on("connect", onConnect);
    client.on("connect_error", onError);
  });
}

/**
 * Resolves on the client's next "connect", rejects with the reason on its "connect_error" (or after
 * the safety net). It does not start the connection: with `autoConnect: false`, call `connect()` after.
 */
export async function connected(client: ClientSocket, what = "the client to connect"): Promise<void> {
  const { error } = await connectOutcome(client, what);
  if (error) throw error;
}

/** Resolves with the "connect_error" a refused client gets; rejects if it connects instead. */
export async function connectError(client: ClientSocket, what = "the connection to be refused"): Promise<ConnectError> {
  const { error } = await connectOutcome(client, what);
  if (!error) throw new Error(`connected, although expected ${what}`);
  return error;
}

/**
 * A connected client, over websocket only unless `transports` says otherwise (most tests check
 * behaviour, not the transport). Rejects with the connect_error, after closing the client.
 */
export async function connectClient(url: string, options: ClientOptions = {}): Promise<ClientSocket> {
  const client = openClient(url, { transports: ["websocket"], ...options });
  try {
    await connected(client);
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

/** Resolves with the connect_error a client to `url` gets (websocket only, as connectClient); closes the client. */
export async function refusedConnection(url: string, options: ClientOptions = {}): Promise<ConnectError> {
  const client = openClient(url, { transports: ["websocket"], ...options });
  try {
    return await connectError(client);
  } finally {
    client.close();
  }
}

/**
 * Closes clients and their Managers: a test may have opened more namespaces on one Manager, which
 * would otherwise keep reconnecting after the server is gone.
 */
export function closeClients(clients: Iterable<ClientSocket>): void {
  for (const client of clients) {
    client.io.reconnection(false);
    client.disconnect();
    client.io.engine?.close();
  }
}
