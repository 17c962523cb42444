import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import { listen } from "./helpers.js";
import { connected, nextEvent, openClient } from "@sockline/e2e/support";

describe("@sockline/fastify transports with the official client", () => {
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    app = Fastify();
    await app.register(socketioPlugin);
    app.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (reply: unknown) => void) => ack({ echoed: value, transport: socket.conn.transport.name }));
    });
    url = await listen(app);
  });
  after(() => app.close());

  it("connects over websocket only", async () => {
    const socket = openClient(url, { transports: ["websocket"] });
    try {
      await connected(socket);
      const reply = await socket.emitWithAck("echo", "hello");
      assert.deepEqual(reply, { echoed: "hello", transport: "websocket" });
    } finally {
      socket.close();
    }
  });

  it("connects over polling only, body included (the POST body reaches the core untouched)", async () => {
    const socket = openClient(url, { transports: ["polling"] });
    try {
      await connected(socket);
      const payload = { text: "x".repeat(2000), nested: [1, 2, 3] };
      const reply = await socket.emitWithAck("echo", payload);
      assert.deepEqual(reply, { echoed: payload, transport: "polling" });
    } finally {
      socket.close();
    }
  });

  it("starts on polling and upgrades to websocket", async () => {
    const socket = openClient(url);
    try {
      await connected(socket);
      const engine = socket.io.engine;
      if (engine.transport.name !== "websocket") await nextEvent(engine, "upgrade");
      assert.equal(engine.transport.name, "websocket");
      const reply = await socket.emitWithAck("echo", 42);
      assert.deepEqual(reply, { echoed: 42, transport: "websocket" });
    } finally {
      socket.close();
    }
  });

  it("leaves other routes and their body parsing alone", async () => {
    const other = Fastify();
    other.post("/json", async (request) => ({ got: request.body }));
    await other.register(socketioPlugin);
    try {
      const response = await other.inject({ method: "POST", url: "/json", payload: { a: 1 } });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { got: { a: 1 } });
    } finally {
      await other.close();
    }
  });
});
