// Ways an application sets the server up: attach later, custom path, client bundle, other HTTP
// routes left alone, CORS and allowRequest.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connectClient } from "socket.io-client";
import { connected } from "./helpers/harness.js";
import { IMPL, loadServerClass, type IoServer } from "./helpers/impl.js";
import { pipelined, rawUpgradeRequest, waitUntil } from "@sockline/e2e/support";

/** Runs `body` with a listening HTTP server and closes everything afterwards. */
async function withHttpServer(
  setup: (httpServer: HttpServer) => Promise<IoServer> | IoServer,
  body: (url: string, io: IoServer) => Promise<void>,
): Promise<void> {
  const httpServer = createServer();
  const io = await setup(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  try {
    await body(url, io);
  } finally {
    const closing = Promise.resolve(io.close()).catch(() => undefined);
    httpServer.closeAllConnections();
    await closing;
  }
}

describe(`[${IMPL}] server setup`, () => {
  it("new Server() then io.attach(httpServer)", async () => {
    const Server = await loadServerClass();
    await withHttpServer(
      (httpServer) => {
        const io = new Server();
        io.attach(httpServer);
        return io;
      },
      async (url) => {
        const client = connectClient(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
        await connected(client);
        client.disconnect();
      },
    );
  });

  for (const transports of [["polling"], ["websocket"]] as const) {
    it(`a custom path is honoured and the default one is not served (${transports[0]})`, async () => {
      const Server = await loadServerClass();
      await withHttpServer(
        (httpServer) => {
          // requests the engine does not take fall through to the application's own listener
          httpServer.on("request", (req, res) => {
            if (!req.url?.startsWith("/realtime/")) res.writeHead(404).end();
          });
          return new Server(httpServer, { path: "/realtime/" });
        },
        async (url, io) => {
          assert.equal(io.path(), "/realtime");
          const client = connectClient(url, { forceNew: true, reconnection: false, transports: [...transports], path: "/realtime/" });
          await connected(client);
          client.disconnect();
          const wrongPath = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
          assert.equal(wrongPath.status, 404, "the default path is left to the application");
          await wrongPath.arrayBuffer();
        },
      );
    });
  }

  it("other HTTP routes keep their own request listener", async () => {
    const Server = await loadServerClass();
    await withHttpServer(
      (httpServer) => {
        httpServer.on("request", (req, res) => {
          if (req.url === "/health") res.end("ok");
        });
        return new Server(httpServer);
      },
      async (url) => {
        const health = await fetch(`${url}/health`);
        assert.equal(health.status, 200);
        assert.equal(await health.text(), "ok");
        const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
        assert.equal(handshake.status, 200);
        assert.match(await handshake.text(), /^0\{"sid"/);
      },
    );
  });

  it("serveClient serves the client bundle; serveClient: false does not", async () => {
    const Server = await loadServerClass();
    await withHttpServer(
      (httpServer) => new Server(httpServer),
      async (url) => {
        const bundle = await fetch(`${url}/socket.io/socket.io.js`);
        assert.equal(bundle.status, 200);
        assert.match(bundle.headers.get("content-type") ?? "", /javascript/);
        assert.ok(bundle.headers.get("etag"), "an ETag for caching");
        assert.match(await bundle.text(), /io/);
        const cached = await fetch(`${url}/socket.io/socket.io.js`, { headers: { "if-none-match": bundle.headers.get("etag")! } });
        assert.equal(cached.status, 304);
        await cached.arrayBuffer();
      },
    );
    await withHttpServer(
      (httpServer) => {
        httpServer.on("request", (req, res) => {
          if (req.url === "/socket.io/socket.io.js") res.writeHead(404).end();
        });
        return new Server(httpServer, { serveClient: false });
      },
      async (url) => {
        const bundle = await fetch(`${url}/socket.io/socket.io.js`);
        assert.notEqual(bundle.status, 200);
        await bundle.arrayBuffer();
      },
    );
  });

  it("the cors option answers preflights and sets Access-Control-Allow-Origin", async () => {
    const Server = await loadServerClass();
    await withHttpServer(
      (httpServer) => new Server(httpServer, { cors: { origin: "http://example.com", credentials: true } }),
      async (url) => {
        const preflight = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
          method: "OPTIONS",
          headers: { origin: "http://example.com", "access-control-request-method": "GET" },
        });
        assert.ok(preflight.status === 204 || preflight.status === 200, `preflight status ${preflight.status}`);
        assert.equal(preflight.headers.get("access-control-allow-origin"), "http://example.com");
        await preflight.arrayBuffer();
        const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: "http://example.com" } });
        assert.equal(handshake.headers.get("access-control-allow-origin"), "http://example.com");
        assert.equal(handshake.headers.get("access-control-allow-credentials"), "true");
        await handshake.text();
      },
    );
  });

  it("allowRequest can refuse a handshake (403) and the client gets connect_error", async () => {
    const Server = await loadServerClass();
    await withHttpServer(
      (httpServer) =>
        new Server(httpServer, {
          allowRequest: (req, callback) => callback(null, req.headers["x-allowed"] === "yes"),
        }),
      async (url) => {
        const refused = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
        assert.equal(refused.status, 403);
        await refused.arrayBuffer();
        const client = connectClient(url, { forceNew: true, reconnection: false, transports: ["polling"] });
        await assert.rejects(connected(client), /could not connect/);
        client.disconnect();
        const allowed = connectClient(url, {
          forceNew: true,
          reconnection: false,
          transports: ["polling"],
          extraHeaders: { "x-allowed": "yes" },
        });
        await connected(allowed);
        allowed.disconnect();
      },
    );
  });

  it("an upgrade pipelined behind an answered request in one TCP write: the answer, then the upgrade (the process survives)", async () => {
    const Server = await loadServerClass();
    await withHttpServer(
      (httpServer) => {
        httpServer.on("request", (req, res) => {
          if (!req.url?.startsWith("/socket.io/")) res.end(`first ${req.url}`);
        });
        return new Server(httpServer, { cors: { origin: "*" } });
      },
      async (url, io) => {
        const connection = await pipelined(url, ["GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", rawUpgradeRequest()]);
        await connection.receive(
          /^HTTP\/1\.1 200 OK\r\n[\s\S]*?first \/xHTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*0\{"sid"/,
          "the 200, then the 101",
        );
        assert.equal(io.engine.clientsCount, 1);
        connection.socket.destroy();
        await waitUntil(() => io.engine.clientsCount === 0, "the session to end with its connection");
      },
    );
  });
});
