import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { socketioPlugin } from "@sockline/fastify";

describe("@sockline/fastify with app.ready() + app.inject()", () => {
  it("serves a polling handshake, a POST and the GET that follows, without listening", async () => {
    const app = Fastify();
    await app.register(socketioPlugin, { pingInterval: 600_000, pingTimeout: 600_000 });
    const connectedIds: string[] = [];
    app.io.on("connection", (socket) => connectedIds.push(socket.id));
    try {
      await app.ready();

      const handshake = await app.inject({ method: "GET", url: "/socket.io/?EIO=4&transport=polling" });
      assert.equal(handshake.statusCode, 200);
      assert.equal(handshake.body[0], "0", "an Engine.IO open packet");
      const { sid, upgrades } = JSON.parse(handshake.body.slice(1)) as { sid: string; upgrades: string[] };
      assert.equal(typeof sid, "string");
      assert.deepEqual(upgrades, ["websocket"]);

      // Socket.IO CONNECT to the main namespace, sent as a polling POST.
      const post = await app.inject({
        method: "POST",
        url: `/socket.io/?EIO=4&transport=polling&sid=${sid}`,
        headers: { "content-type": "text/plain;charset=UTF-8" },
        payload: "40",
      });
      assert.equal(post.statusCode, 200);
      assert.equal(post.body, "ok");

      const poll = await app.inject({ method: "GET", url: `/socket.io/?EIO=4&transport=polling&sid=${sid}` });
      assert.equal(poll.statusCode, 200);
      assert.match(poll.body, /^40\{"sid":"[^"]+"\}/, "the CONNECT acknowledgement");
      assert.equal(connectedIds.length, 1);
    } finally {
      await app.close();
    }
  });

  it("answers 400 to a polling request for an unknown session", async () => {
    const app = Fastify();
    await app.register(socketioPlugin);
    try {
      const response = await app.inject({ method: "GET", url: "/socket.io/?EIO=4&transport=polling&sid=nope" });
      assert.equal(response.statusCode, 400);
    } finally {
      await app.close();
    }
  });

  it("follows addTrailingSlash, also with Fastify's ignoreTrailingSlash", async () => {
    const cases = [
      { fastify: {}, addTrailingSlash: true, bare: 404 },
      { fastify: {}, addTrailingSlash: false, bare: 200 },
      { fastify: { routerOptions: { ignoreTrailingSlash: true } }, addTrailingSlash: false, bare: 200 },
      // The engine's rule, not the router's: the bare path is not the engine's.
      { fastify: { routerOptions: { ignoreTrailingSlash: true } }, addTrailingSlash: true, bare: 404 },
    ];
    for (const { fastify, addTrailingSlash, bare } of cases) {
      const app = Fastify(fastify);
      await app.register(socketioPlugin, { addTrailingSlash });
      try {
        const slashed = await app.inject("/socket.io/?EIO=4&transport=polling");
        const unslashed = await app.inject("/socket.io?EIO=4&transport=polling");
        assert.equal(slashed.statusCode, 200);
        assert.equal(unslashed.statusCode, bare, `bare path with ${JSON.stringify({ fastify, addTrailingSlash })}`);
      } finally {
        await app.close();
      }
    }
  });

  it("serves the client bundle through the same routes", async () => {
    const app = Fastify();
    await app.register(socketioPlugin);
    try {
      const bundle = await app.inject("/socket.io/socket.io.min.js");
      assert.equal(bundle.statusCode, 200);
      assert.match(String(bundle.headers["content-type"]), /javascript/);
      assert.ok(bundle.body.length > 1000);
    } finally {
      await app.close();
    }
  });
});
