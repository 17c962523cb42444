import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { Server } from "@sockline/core";
import { socketioPlugin } from "@sockline/fastify";
import { listen } from "./helpers.js";
import { connected, openClient, rawUpgrade } from "@sockline/e2e/support";

describe("@sockline/fastify: mounting an existing server (the io option)", () => {
  it("serves a server created before the plugin loads, on its own path, hooks included", async () => {
    const io = new Server({ path: "/live", addTrailingSlash: false });
    io.on("connection", (socket) => socket.on("ping", (ack: (reply: string) => void) => ack("pong")));
    const app = Fastify();
    app.addHook("onRequest", async (_request, reply) => {
      reply.header("x-hooked", "yes");
    });
    // Registered without awaiting, as code that cannot wait for Fastify (NestJS) does.
    void app.register(socketioPlugin, { io });
    const url = await listen(app);
    const polling = openClient(url, { path: "/live", transports: ["polling"] });
    const ws = openClient(url, { path: "/live", transports: ["websocket"] });
    try {
      assert.equal(app.io, io);
      await Promise.all([connected(polling), connected(ws)]);
      assert.equal(await ws.emitWithAck("ping"), "pong");
      assert.equal(await polling.emitWithAck("ping"), "pong");
      const upgrade = await rawUpgrade(url, "/live");
      assert.equal(upgrade.status, 101);
      assert.equal(upgrade.headers["x-hooked"], "yes");
    } finally {
      polling.close();
      ws.close();
      await app.close();
    }
  });

  it("under a prefix, the server's path must lie under it", async () => {
    const inside = new Server({ path: "/api/socket.io" });
    const app = Fastify();
    await app.register(async (api) => void (await api.register(socketioPlugin, { io: inside })), { prefix: "/api" });
    const url = await listen(app);
    const socket = openClient(url, { path: "/api/socket.io", transports: ["websocket"] });
    try {
      await connected(socket);
    } finally {
      socket.close();
      await app.close();
    }

    const outside = new Server({ path: "/socket.io" });
    const other = Fastify();
    await assert.rejects(
      async () => other.register(async (api) => void (await api.register(socketioPlugin, { io: outside })), { prefix: "/api" }),
      /the server's path "\/socket.io" is outside the prefix "\/api"/,
    );
    await other.close();
    await outside.close();
  });

  it("refuses server options next to io (they belong to the server's constructor)", async () => {
    const io = new Server();
    const app = Fastify();
    await assert.rejects(
      async () => app.register(socketioPlugin, { io, pingInterval: 1000 }),
      /give the server options \(pingInterval\) to new Server\(\)/,
    );
    await app.close();
    await io.close();
  });
});
