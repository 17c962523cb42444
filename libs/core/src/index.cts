/**
 * `require("@sockline/core")`: what the reference `socket.io` package gives a CommonJS caller, a
 * function that creates a server (`require("socket.io")(httpServer, opts)`) carrying the exports as
 * properties (`require("@sockline/core").Server`). `import` still loads the ES module itself
 * (`package.json` routes the `require` condition here); this file only wraps it.
 */
import type { Server as HttpServer } from "node:http";
import core = require("./index.js");

/** `new Server(srv, opts)`, as the reference's CommonJS export. */
function createServer(srv?: HttpServer | number | string | Partial<core.ServerOptions>, opts?: Partial<core.ServerOptions>): core.Server {
  return new core.Server(srv, opts);
}

const callable: typeof createServer & typeof core = Object.assign(createServer, core);
export = callable;
