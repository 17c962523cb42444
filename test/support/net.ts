// Loopback ports and HTTP servers for tests: everything listens on 127.0.0.1, on a port the OS picks.
import type { Server as HttpServer } from "node:http";
import { createServer, type AddressInfo } from "node:net";

/** A port nobody listens on right now: bind to 0, read the port, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The `http://127.0.0.1:<port>` base URL of a listening server. */
export function baseUrl(server: { address(): AddressInfo | string | null }): string {
  const address = server.address();
  if (!address || typeof address === "string") throw new Error(`server is not listening on a TCP port (${String(address)})`);
  return `http://127.0.0.1:${address.port}`;
}

/** Starts `server` on an ephemeral port of 127.0.0.1 (unless it already listens) and returns its base URL. */
export async function listen(server: HttpServer): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return baseUrl(server);
}

/** Closes `server`; resolves once every connection has ended. */
export function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
