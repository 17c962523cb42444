// Which Socket.IO server implementation the suite runs against, and how to start one.
//
// The suite is written once against the reference `socket.io` API. Sockline mirrors that API, so
// the same test code drives either implementation; the implementation is chosen by the
// CONFORMANCE_IMPL environment variable ("sockline" by default, "reference" to validate the tests
// themselves against the real socket.io server).
//
// Implementations are loaded with a dynamic import so that the suite compiles (and the reference
// run works) even while @sockline/core does not build yet.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server as ReferenceServer, ServerOptions } from "socket.io";
import createDebug from "debug";

const debug = createDebug("sockline:conformance");

export type ImplName = "sockline" | "reference";

/** The module specifier each implementation is imported from. */
export const IMPLEMENTATIONS: Readonly<Record<ImplName, string>> = {
  sockline: "@sockline/core",
  reference: "socket.io",
};

/** The Socket.IO server class. Sockline's is typed as the reference's: its API mirrors it. */
export type ServerClass = typeof ReferenceServer;
export type IoServer = ReferenceServer;

function selectedImpl(): ImplName {
  const raw = process.env.CONFORMANCE_IMPL ?? "sockline";
  if (raw !== "sockline" && raw !== "reference") {
    throw new Error(`CONFORMANCE_IMPL must be "sockline" or "reference", got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** The implementation this run tests. */
export const IMPL: ImplName = selectedImpl();

/** For `describe(..., { skip: SOCKLINE_ONLY })`: limits the reference deliberately does not have. */
export const SOCKLINE_ONLY: string | false = IMPL === "sockline" ? false : "Sockline-only behaviour (the reference has no such limit)";

const loaded = new Map<ImplName, Promise<ServerClass>>();

/** Imports the implementation's `Server` class (once per process). */
export function loadServerClass(impl: ImplName = IMPL): Promise<ServerClass> {
  let pending = loaded.get(impl);
  if (!pending) {
    const specifier = IMPLEMENTATIONS[impl];
    pending = import(specifier).then((mod: Record<string, unknown>) => {
      if (typeof mod.Server !== "function") {
        throw new Error(`${specifier} does not export a Server class (exports: ${Object.keys(mod).join(", ")})`);
      }
      return mod.Server as ServerClass;
    });
    loaded.set(impl, pending);
  }
  return pending;
}

export interface StartedServer {
  io: IoServer;
  httpServer: HttpServer;
  port: number;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:43210 (append a namespace for clients). */
  url: string;
  /** Closes the Socket.IO server and the HTTP server, dropping any connection still open. */
  close(): Promise<void>;
}

/**
 * Creates an http.Server on 127.0.0.1 with an ephemeral port, attaches a Server of the chosen
 * implementation to it and starts listening.
 */
export async function startServer(opts: Partial<ServerOptions> = {}, impl: ImplName = IMPL): Promise<StartedServer> {
  const Server = await loadServerClass(impl);
  const httpServer = createServer();
  const io = new Server(httpServer, opts);
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  debug("%s server listening on %s", impl, url);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // io.close() waits for the HTTP server to close, which waits for idle keep-alive sockets
      // (long-polling leaves some): drop them so shutdown does not depend on client timers.
      const done = Promise.resolve(io.close()).catch(() => undefined);
      httpServer.closeAllConnections();
      await done;
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      debug("%s server on %s closed", impl, url);
    })();
    return closing;
  };
  return { io, httpServer, port, url, close };
}
