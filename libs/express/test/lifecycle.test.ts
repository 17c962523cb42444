import { describe, it } from "node:test";
import assert from "node:assert/strict";
import express from "express";
import { sockline } from "@sockline/express";
import { appListen } from "./helpers.js";
import { closeServer, connected, http, nextEvent, openClient } from "@sockline/e2e/support";

// Heartbeats far longer than the test timeout: closing can only finish if connections are ended
// actively, never because a heartbeat happened to expire.
const NO_HEARTBEAT = { pingInterval: 600_000, pingTimeout: 600_000 };

describe("@sockline/express lifecycle and independence", () => {
  it("io.close() then server.close() ends connected clients and resolves", async () => {
    const app = express();
    const io = sockline(app, NO_HEARTBEAT);
    const { server, url } = await appListen(app);
    const ws = openClient(url, { transports: ["websocket"] });
    const polling = openClient(url, { transports: ["polling"] });
    try {
      await Promise.all([connected(ws), connected(polling)]);
      const disconnects = Promise.all([nextEvent(ws, "disconnect"), nextEvent(polling, "disconnect")]);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
      assert.equal((await disconnects).length, 2);
      assert.equal(server.listening, false);
    } finally {
      ws.close();
      polling.close();
    }
  });

  it("two mounts on different paths of one app are independent servers", async () => {
    const app = express();
    const chat = sockline(app, { path: "/chat" });
    const feed = sockline(app, { path: "/feed" });
    const { server, url } = await appListen(app);
    const chatClient = openClient(url, { path: "/chat", transports: ["websocket"] });
    const feedClient = openClient(url, { path: "/feed", transports: ["polling"] });
    try {
      await Promise.all([connected(chatClient), connected(feedClient)]);
      assert.equal(chat.of("/").sockets.size, 1);
      assert.equal(feed.of("/").sockets.size, 1);
      const received: string[] = [];
      chatClient.on("news", (from: string) => received.push(`chat got ${from}`));
      feedClient.on("news", (from: string) => received.push(`feed got ${from}`));
      const done = Promise.all([nextEvent(chatClient, "done"), nextEvent(feedClient, "done")]);
      chat.emit("news", "chat");
      feed.emit("news", "feed");
      // Packets arrive in order on each connection: once "done" is in, every "news" is too.
      chat.emit("done");
      feed.emit("done");
      await done;
      assert.deepEqual(received.sort(), ["chat got chat", "feed got feed"]);
    } finally {
      chatClient.close();
      feedClient.close();
      await Promise.all([chat, feed].map((io) => new Promise<void>((resolve) => io.close(() => resolve()))));
      await closeServer(server);
    }
  });

  it("in a sub-app mounted at /rt, the engine path is /rt/socket.io for both transports", async () => {
    const app = express();
    const realtime = express();
    const io = sockline(realtime);
    app.use("/rt", realtime);
    const { server, url } = await appListen(app);
    const polling = openClient(url, { path: "/rt/socket.io", transports: ["polling"] });
    const ws = openClient(url, { path: "/rt/socket.io", transports: ["websocket"] });
    try {
      await Promise.all([connected(polling), connected(ws)]);
      assert.equal(io.of("/").sockets.size, 2);
    } finally {
      polling.close();
      ws.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });

  it("explains a body parser mounted before it instead of hanging", async () => {
    const app = express();
    app.use(express.text({ type: "*/*" }));
    const io = sockline(app);
    const errors: string[] = [];
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err.message);
      res.status(500).send("misconfigured");
    });
    const { server, url } = await appListen(app);
    try {
      const handshake = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      const { sid } = JSON.parse(handshake.body.slice(1)) as { sid: string };
      const post = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: "POST",
        headers: { "content-type": "text/plain;charset=UTF-8" },
        body: "40",
      });
      assert.equal(post.status, 500);
      assert.match(errors[0] ?? "", /already read by a body parser mounted before sockline\(\)/);
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });
});
