import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import express from "express";
import helmet from "helmet";
import { sockline } from "@sockline/express";
import type { Server } from "@sockline/core";
import { appListen } from "./helpers.js";
import {
  closeServer,
  connected,
  http,
  listen,
  nextEvent,
  openClient,
  pollingHandshake,
  rawUpgrade,
  rawUpgradeStatus,
} from "@sockline/e2e/support";

function echo(io: Server): void {
  io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (reply: unknown) => void) => ack({ echoed: value, transport: socket.conn.transport.name }));
  });
}

describe("@sockline/express with app.listen()", () => {
  let io: Server;
  let server: HttpServer;
  let url: string;

  before(async () => {
    const app = express();
    app.use(helmet());
    io = sockline(app);
    echo(io);
    app.get("/hello", (_req, res) => {
      res.send("world");
    });
    ({ server, url } = await appListen(app));
  });
  after(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await closeServer(server);
  });

  it("accepts a websocket-only client whose very first request is the upgrade", async () => {
    const socket = openClient(url, { transports: ["websocket"] });
    try {
      await connected(socket);
      assert.deepEqual(await socket.emitWithAck("echo", "hi"), { echoed: "hi", transport: "websocket" });
    } finally {
      socket.close();
    }
  });

  it("serves polling inside the middleware stack (helmet's headers included)", async () => {
    const { response, open } = await pollingHandshake(url);
    assert.equal(response.status, 200);
    assert.ok(open?.sid);
    assert.equal(response.headers["x-content-type-options"], "nosniff");

    const socket = openClient(url, { transports: ["polling"] });
    try {
      await connected(socket);
      const payload = { text: "y".repeat(3000) };
      assert.deepEqual(await socket.emitWithAck("echo", payload), { echoed: payload, transport: "polling" });
    } finally {
      socket.close();
    }
  });

  it("sends the headers middleware set (helmet) on the websocket handshake too", async () => {
    const upgrade = await rawUpgrade(url);
    assert.equal(upgrade.status, 101);
    assert.equal(upgrade.headers["x-content-type-options"], "nosniff");
  });

  it("upgrades from polling to websocket", async () => {
    const socket = openClient(url);
    try {
      await connected(socket);
      const engine = socket.io.engine;
      if (engine.transport.name !== "websocket") await nextEvent(engine, "upgrade");
      assert.deepEqual(await socket.emitWithAck("echo", 1), { echoed: 1, transport: "websocket" });
    } finally {
      socket.close();
    }
  });

  it("serves the client bundle from the mount", async () => {
    const bundle = await http(`${url}/socket.io/socket.io.min.js`);
    assert.equal(bundle.status, 200);
    assert.match(String(bundle.headers["content-type"]), /javascript/);
    assert.ok(bundle.body.length > 1000);
  });

  it("leaves the app's other routes alone", async () => {
    const response = await http(`${url}/hello`);
    assert.equal(response.status, 200);
    assert.equal(response.body, "world");
  });
});

describe("@sockline/express with http.createServer(app)", () => {
  it("finds the server on its first connection and takes websocket upgrades", async () => {
    const app = express();
    const io = sockline(app);
    echo(io);
    const server = createServer(app);
    const url = await listen(server);
    const socket = openClient(url, { transports: ["websocket"] });
    try {
      await connected(socket);
      assert.deepEqual(await socket.emitWithAck("echo", "first"), { echoed: "first", transport: "websocket" });
    } finally {
      socket.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });

  it("takes upgrades from an explicitly given server whose listener wraps the app", async () => {
    const app = express();
    const server = createServer((req, res) => app(req, res));
    const io = sockline(app, { server });
    echo(io);
    const url = await listen(server);
    const socket = openClient(url, { transports: ["websocket"] });
    try {
      await connected(socket);
      assert.deepEqual(await socket.emitWithAck("echo", 2), { echoed: 2, transport: "websocket" });
    } finally {
      socket.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });

  it("leaves upgrades for other paths to other listeners", async () => {
    const app = express();
    const io = sockline(app);
    const server = createServer(app);
    const others: string[] = [];
    server.on("upgrade", (req, socket) => {
      if (req.url?.startsWith("/other")) {
        others.push(req.url);
        socket.end("HTTP/1.1 418 I'm a teapot\r\nConnection: close\r\n\r\n");
      }
    });
    const url = await listen(server);
    try {
      assert.equal(await rawUpgradeStatus(url, "/other/"), 418);
      assert.equal(await rawUpgradeStatus(url), 101);
      assert.deepEqual(others, ["/other/?EIO=4&transport=websocket"]);
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });
});

describe("@sockline/express: requests of an open polling session", () => {
  async function pollingEcho(url: string): Promise<void> {
    const socket = openClient(url, { transports: ["polling"] });
    try {
      await connected(socket);
      const payload = { text: "z".repeat(3000) };
      assert.deepEqual(await socket.emitWithAck("echo", payload), { echoed: payload, transport: "polling" });
      assert.deepEqual(await socket.emitWithAck("echo", 2), { echoed: 2, transport: "polling" });
    } finally {
      socket.close();
    }
  }

  it("with nothing before the mount: served as through Express (X-Powered-By included), echo works", async () => {
    const app = express();
    const io = sockline(app);
    echo(io);
    let fallThrough = 0;
    app.use((_req, _res, next) => {
      fallThrough++;
      next();
    });
    const { server, url } = await appListen(app);
    try {
      const { open } = await pollingHandshake(url);
      assert.ok(open?.sid);
      const sessionUrl = `${url}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`;
      const post = await http(sessionUrl, { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body: "40" });
      assert.deepEqual([post.status, post.body, post.headers["x-powered-by"]], [200, "ok", "Express"]);
      // The CONNECT reply is waiting: the GET answers at once.
      const poll = await http(sessionUrl);
      assert.equal(poll.status, 200);
      assert.match(poll.body, /^40\{"sid"/);
      assert.equal(poll.headers["x-powered-by"], "Express");
      const unknown = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=nope`);
      assert.equal(unknown.status, 400);
      assert.equal(unknown.headers["x-powered-by"], "Express");
      await pollingEcho(url);
      assert.equal(fallThrough, 0, "engine requests never reach what comes after the mount");
      app.disable("x-powered-by");
      const { open: second } = await pollingHandshake(url);
      const quiet = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=${second!.sid}`, { method: "POST", body: "40" });
      assert.deepEqual([quiet.status, quiet.headers["x-powered-by"]], [200, undefined]);
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });

  it("with a middleware before the mount: it runs for every request of the session", async () => {
    const app = express();
    const seen: string[] = [];
    app.use((req, res, next) => {
      if (req.url.includes("sid=")) seen.push(req.method);
      res.setHeader("X-Seen", "yes");
      next();
    });
    const io = sockline(app);
    echo(io);
    const { server, url } = await appListen(app);
    try {
      const { open } = await pollingHandshake(url);
      const post = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=${open!.sid}`, { method: "POST", body: "40" });
      assert.deepEqual([post.status, post.headers["x-seen"]], [200, "yes"]);
      const poll = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=${open!.sid}`);
      assert.equal(poll.headers["x-seen"], "yes");
      assert.deepEqual(seen, ["POST", "GET"]);
      await pollingEcho(url);
      assert.ok(seen.includes("POST"), "the polling POSTs went through the middleware");
      assert.ok(seen.filter((method) => method === "GET").length >= 3, "the polling GETs went through the middleware");
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });
});
