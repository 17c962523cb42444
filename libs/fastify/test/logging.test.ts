import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import { captureLogs, listen } from "./helpers.js";
import { connected, http, nextEvent, openClient } from "@sockline/e2e/support";

const WARN = 40;
const DEBUG = 20;

describe("@sockline/fastify logging goes through the Fastify logger", () => {
  it("logs connection errors at warn and connection lifecycle at debug", async () => {
    const { lines, stream } = captureLogs();
    const app = Fastify({ logger: { level: "debug", stream } });
    await app.register(socketioPlugin);
    const url = await listen(app);
    try {
      const bad = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=unknown-sid`);
      assert.equal(bad.status, 400);
      const warning = lines.find((line) => line.level === WARN && line.msg.startsWith("socket.io connection error"));
      assert.ok(warning, "a warn line for the rejected request");
      assert.equal(warning.plugin, "@sockline/fastify");
      assert.equal(warning.path, "/socket.io");

      const socket = openClient(url, { transports: ["websocket"] });
      await connected(socket);
      const serverSide = [...app.io.of("/").sockets.values()][0]!;
      // Registered after the plugin's listener, so it fires after the plugin has logged.
      const closed = nextEvent(serverSide.conn, "close");
      socket.close();
      await closed;
      assert.ok(lines.some((line) => line.level === DEBUG && line.msg === "socket.io connection opened"));
      assert.ok(lines.some((line) => line.level === DEBUG && line.msg === "socket.io connection closed"));
      // Each line names its connection (the lifecycle listeners are shared by every connection).
      for (const msg of ["socket.io connection opened", "socket.io connection closed"]) {
        assert.equal(lines.find((line) => line.msg === msg)?.sid, serverSide.conn.id, msg);
      }
      // Request logging applies to engine requests like to any route.
      assert.ok(lines.some((line) => line.msg === "incoming request"));
    } finally {
      await app.close();
    }
  });

  it("rate-limits connection error lines: 10 per window, then one line counting the rest", async () => {
    const { lines, stream } = captureLogs();
    const app = Fastify({ logger: { level: "warn", stream } });
    await app.register(socketioPlugin);
    const url = await listen(app);
    // a restart (or a hostile client) makes every request a refusal: 25 unknown sids in a row
    for (let i = 0; i < 25; i++) {
      const bad = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=gone-${i}`);
      assert.equal(bad.status, 400);
    }
    const errorLines = () => lines.filter((line) => line.level === WARN && line.msg.startsWith("socket.io connection error"));
    assert.equal(errorLines().length, 10);
    await app.close();
    // closing writes the count of what the limit held back
    const summary = lines.find((line) => line.msg.includes("more connection errors not logged"));
    assert.ok(summary, "a summary line");
    assert.equal(summary.suppressed, 15);
    assert.equal(errorLines().length, 10);
  });
});
