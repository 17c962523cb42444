import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import type { Server } from "@sockline/core";
import { listen } from "./helpers.js";
import { connected, http, nextEvent, openClient } from "@sockline/e2e/support";

// Heartbeats far longer than the test timeout: a close can only finish if the plugin ends the
// connections itself, never because a heartbeat happened to expire.
const NO_HEARTBEAT = { pingInterval: 600_000, pingTimeout: 600_000 };

describe("@sockline/fastify lifecycle", () => {
  it("app.close() ends websocket and long-polling clients and resolves", async () => {
    const app = Fastify();
    await app.register(socketioPlugin, NO_HEARTBEAT);
    const adminDisconnects: string[] = [];
    app.io.of("/admin").on("connection", (socket) => socket.on("disconnect", (reason) => adminDisconnects.push(reason)));
    const url = await listen(app);

    const ws = openClient(url, { transports: ["websocket"] });
    const polling = openClient(url, { transports: ["polling"] });
    const admin = openClient(`${url}/admin`, { transports: ["websocket"] });
    try {
      await Promise.all([connected(ws), connected(polling), connected(admin)]);
      const disconnects = Promise.all([ws, polling, admin].map((socket) => nextEvent<string>(socket, "disconnect")));
      await app.close();
      const reasons = await disconnects;
      assert.equal(reasons.length, 3);
      assert.equal(app.server.listening, false);
      assert.deepEqual(adminDisconnects.length, 1, "sockets of every namespace are disconnected");
    } finally {
      for (const socket of [ws, polling, admin]) socket.close();
    }
  });

  it("app.close() resolves while a client is mid-handshake on polling (no namespace yet)", async () => {
    const app = Fastify();
    await app.register(socketioPlugin, NO_HEARTBEAT);
    const url = await listen(app);
    const handshake = await http(`${url}/socket.io/?EIO=4&transport=polling`);
    const { sid } = JSON.parse(handshake.body.slice(1)) as { sid: string };
    // A pending long-poll that nothing would ever answer without the plugin's preClose.
    const longPoll = http(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`).then(
      (r) => r.body,
      () => "failed",
    );
    await new Promise((resolve) => setImmediate(resolve));
    await app.close();
    assert.equal(typeof (await longPoll), "string");
  });

  it("two registrations in separate contexts are independent servers on their own paths", async () => {
    const app = Fastify();
    const servers: Record<string, Server> = {};
    for (const name of ["chat", "feed"]) {
      await app.register(async (context) => {
        await context.register(socketioPlugin, { path: `/${name}` });
        servers[name] = context.io;
      });
    }
    const url = await listen(app);
    const chat = openClient(url, { path: "/chat", transports: ["websocket"] });
    const feed = openClient(url, { path: "/feed", transports: ["polling"] });
    try {
      await Promise.all([connected(chat), connected(feed)]);
      assert.notEqual(servers.chat, servers.feed);
      assert.equal(servers.chat!.path(), "/chat");
      assert.equal(servers.feed!.path(), "/feed");
      assert.equal(servers.chat!.of("/").sockets.size, 1);
      assert.equal(servers.feed!.of("/").sockets.size, 1);

      const received: string[] = [];
      chat.on("news", (from: string) => received.push(`chat got ${from}`));
      feed.on("news", (from: string) => received.push(`feed got ${from}`));
      const done = Promise.all([nextEvent(chat, "done"), nextEvent(feed, "done")]);
      servers.chat!.emit("news", "chat");
      servers.feed!.emit("news", "feed");
      // Packets arrive in order on each connection: once "done" is in, every "news" is too.
      servers.chat!.emit("done");
      servers.feed!.emit("done");
      await done;
      assert.deepEqual(received.sort(), ["chat got chat", "feed got feed"]);
    } finally {
      chat.close();
      feed.close();
      await app.close();
    }
  });

  it("two registrations in one context need distinct decorator names", async () => {
    const app = Fastify();
    await app.register(socketioPlugin, { path: "/one" });
    await assert.rejects(async () => app.register(socketioPlugin, { path: "/two" }), /already has an "io" decorator/);
    await app.close();

    const named = Fastify();
    await named.register(socketioPlugin, { path: "/one" });
    await named.register(socketioPlugin, { path: "/two", decorator: "ioTwo" });
    const second = (named as unknown as { ioTwo: Server }).ioTwo;
    assert.equal(second.path(), "/two");
    assert.notEqual(second, named.io);
    const url = await listen(named);
    const socket = openClient(url, { path: "/two", transports: ["websocket"] });
    try {
      await connected(socket);
      assert.equal(second.of("/").sockets.size, 1);
      assert.equal(named.io.of("/").sockets.size, 0);
    } finally {
      socket.close();
      await named.close();
    }
  });

  it("under a prefix, the engine path is prefix + path", async () => {
    const app = Fastify();
    let io: Server | undefined;
    await app.register(
      async (api) => {
        await api.register(socketioPlugin);
        io = api.io;
      },
      { prefix: "/api" },
    );
    const url = await listen(app);
    const polling = openClient(url, { path: "/api/socket.io", transports: ["polling"] });
    const ws = openClient(url, { path: "/api/socket.io", transports: ["websocket"] });
    try {
      await Promise.all([connected(polling), connected(ws)]);
      assert.equal(io!.path(), "/api/socket.io");
      const unprefixed = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(unprefixed.status, 404);
    } finally {
      polling.close();
      ws.close();
      await app.close();
    }
  });
});
