// Issue 11, item 1: an ordinary request with a websocket upgrade pipelined behind it, in one TCP
// write, used to kill the process (ERR_HTTP_SOCKET_ASSIGNED from the stand-in response). Node hands
// the socket to the upgrade listeners while the first answer is still being written; the upgrade is
// now answered after it, in request order, as Node answers pipelined requests it serves itself.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket as NetSocket } from "node:net";
import { afterEach, describe, it } from "node:test";
import { Server, type ServerOptions } from "@sockline/core";
import { closeServer, collectGarbage, listen, pipelined, rawUpgradeRequest, waitUntil } from "@sockline/e2e/support";

const FIRST = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
/** The 200 answer to FIRST, then the 101, then the Engine.IO open packet in the first websocket frame. */
const SERVED_IN_ORDER =
  /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nfirst \/x(HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*?\r\n\r\n)[\s\S]*0\{"sid":"/;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe("an upgrade pipelined behind an ordinary request", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  /** A plain HTTP server answering other paths with `handler`, with a Socket.IO server attached the core way. */
  async function start(options: Partial<ServerOptions>, handler: Handler = (req, res) => res.end(`first ${req.url}`)) {
    const http = createServer(handler);
    const io = new Server(http, options);
    const url = await listen(http);
    stop = async () => {
      http.closeAllConnections();
      await io.close();
      await closeServer(http).catch(() => {});
    };
    return { http, io, url };
  }

  for (const [label, options] of [
    ["new Server(http, { cors }) (the engine middleware path)", { cors: { origin: "*" } }],
    ["new Server(http) without engine middleware", {}],
  ] as const) {
    it(`${label}: the first request is answered, then the upgrade is served`, async () => {
      const { io, url } = await start(options);
      const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
      await connection.receive(SERVED_IN_ORDER, "the 200, then the 101 and the open packet");
      assert.equal(io.engine.clientsCount, 1);
      connection.socket.destroy();
      await waitUntil(() => io.engine.clientsCount === 0, "the session to end with its connection");
    });
  }

  it("an earlier answer that takes its time still leaves first: the 101 waits for it", async () => {
    let answerFirst: (() => void) | undefined;
    const { io, url } = await start({ cors: { origin: "*" } }, (req, res) => {
      answerFirst = () => res.end(`first ${req.url}`);
    });
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
    await waitUntil(() => answerFirst !== undefined, "the first request to reach its handler");
    // the upgrade has arrived too (same write), but nothing may be written before the first answer
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(connection.received(), "", "nothing written ahead of the first answer");
    assert.equal(io.engine.clientsCount, 0);
    answerFirst!();
    await connection.receive(SERVED_IN_ORDER, "the 200, then the 101 and the open packet");
    connection.socket.destroy();
    await waitUntil(() => io.engine.clientsCount === 0, "the session to end with its connection");
  });

  it("several requests ahead of the upgrade are all answered first, in order", async () => {
    const { io, url } = await start({ cors: { origin: "*" } }, (req, res) => {
      // answered in reverse arrival order: Node still writes them in request order
      setTimeout(() => res.end(`first ${req.url}`), req.url === "/a" ? 30 : 1);
    });
    const connection = await pipelined(url, [
      "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      rawUpgradeRequest(),
    ]);
    await connection.receive(/first \/a[\s\S]*first \/b[\s\S]*HTTP\/1\.1 101 [\s\S]*0\{"sid":"/, "/a, /b, then the 101");
    connection.socket.destroy();
    await waitUntil(() => io.engine.clientsCount === 0, "the session to end with its connection");
  });

  it("an engine middleware refusing the upgrade answers after the earlier response, then closes", async () => {
    const { io, url } = await start({});
    io.engine.use((req, res, next) => {
      if (req.headers.upgrade === undefined) return next();
      res.writeHead(401, { "Content-Type": "text/plain" });
      res.end("no");
    });
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
    await connection.receive(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*first \/xHTTP\/1\.1 401 Unauthorized\r\n[\s\S]*\r\n\r\nno$/,
      "the 200, then the 401",
    );
    await connection.closed;
    assert.equal(io.engine.clientsCount, 0);
  });

  it("a client that goes away while the earlier answer is pending leaves nothing behind", async () => {
    let answerFirst: (() => void) | undefined;
    const { http, io, url } = await start({ cors: { origin: "*" } }, (req, res) => {
      answerFirst = () => res.end(`first ${req.url}`);
    });
    let serverSide: WeakRef<NetSocket> | undefined;
    http.once("connection", (socket: NetSocket) => (serverSide = new WeakRef(socket)));
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
    await waitUntil(() => answerFirst !== undefined, "the first request to reach its handler");
    connection.socket.resetAndDestroy();
    await waitUntil(() => serverSide?.deref()?.destroyed === true, "the server side of the connection to close");
    // the app answers late, on a dead connection: no upgrade may start now
    answerFirst!();
    answerFirst = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(io.engine.clientsCount, 0);
    await collectGarbage();
    assert.equal(serverSide!.deref(), undefined, "the connection (and the upgrade waiting on it) was collected");
  });
});
