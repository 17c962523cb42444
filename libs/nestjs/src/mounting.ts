import { createServer, type Server as HttpServer } from 'node:http';
import type { Server } from '@sockline/core';
import createDebug from 'debug';

const debug = createDebug('sockline:nestjs:mounting');

type AnyServer = Server<any, any, any, any>;

/** How a server created by the adapter receives its HTTP traffic, and how that is undone. */
export interface Mount {
  /** Stops serving: for a separate port, closes that HTTP server. */
  close(): Promise<void>;
}

/**
 * Shares the application's HTTP server (Express, or any `http.Server`). `attach` routes only the
 * engine path and leaves every other request to the listeners already there (Nest's router), so
 * several gateways with different paths can share the server, each with its own `Server`.
 */
export function mountOnHttpServer(io: AnyServer, httpServer: HttpServer): Mount {
  io.attach(httpServer);
  debug('attached %s to the application HTTP server', io.path());
  // Closing the shared server is Nest's job (its HTTP adapter closes it after the gateways).
  return { close: async () => {} };
}

/** A gateway with its own `port`: a dedicated HTTP server, as Nest's reference adapter does. */
export function mountOnOwnPort(io: AnyServer, port: number): Mount {
  const httpServer = createServer();
  io.attach(httpServer);
  httpServer.listen(port);
  debug('listening on port %d for %s', port, io.path());
  return {
    close: () =>
      new Promise<void>(resolve => {
        httpServer.closeAllConnections?.();
        httpServer.close(() => resolve());
      }),
  };
}
