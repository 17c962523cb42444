/** Standalone helpers, like the reference `engine.io` package: `attach(httpServer)` and `listen(port)`. */
import { createServer, type Server as HttpServer } from "node:http";
import type { ServerOptions } from "./options.js";
import { Server, type AttachOptions } from "./server.js";

/** Creates an engine and routes the engine path of `httpServer` to it. */
export function attach(httpServer: HttpServer, opts: Partial<ServerOptions> & AttachOptions = {}): Server {
  const engine = new Server(opts);
  engine.attach(httpServer, opts);
  return engine;
}

/** Creates an HTTP server that only serves the engine (other paths answer 501) and listens on `port`. */
export function listen(port: number, opts: Partial<ServerOptions> & AttachOptions = {}, callback?: () => void): Server {
  const httpServer = createServer((_req, res) => {
    res.writeHead(501);
    res.end("Not Implemented");
  });
  const engine = attach(httpServer, opts);
  (engine as Server & { httpServer?: HttpServer }).httpServer = httpServer;
  httpServer.listen(port, callback);
  return engine;
}
