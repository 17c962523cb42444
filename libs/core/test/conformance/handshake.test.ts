// What the server tells an application about a connected socket: handshake, data, rooms,
// transport, request.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { IncomingMessage } from "node:http";
import { Harness, TRANSPORT_MODES } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";

for (const mode of TRANSPORT_MODES) {
  describe(`[${IMPL}] handshake and socket state over ${mode}`, () => {
    let h: Harness;
    before(async () => {
      h = await Harness.start({}, mode);
    });
    after(() => h.close());

    it("handshake carries headers, time, address, xdomain, secure, issued, url, query and auth", async () => {
      const before = Date.now();
      const { socket } = await h.connect("/", {
        auth: { token: "abc", nested: { n: 1 } },
        query: { room: "lobby" },
        extraHeaders: { "x-conformance": "yes" },
      });
      const hs = socket.handshake;
      assert.equal(hs.headers["x-conformance"], "yes");
      assert.equal(hs.headers.host, `127.0.0.1:${h.server.port}`);
      assert.equal(typeof hs.time, "string");
      assert.ok(!Number.isNaN(Date.parse(hs.time)), `time is a date string: ${hs.time}`);
      assert.match(hs.address, /^(::ffff:)?127\.0\.0\.1$/);
      assert.equal(hs.xdomain, false, "no Origin header: not cross-domain");
      assert.equal(hs.secure, false);
      assert.equal(typeof hs.issued, "number");
      // issued is the handshake time in ms: after the test started (clock granularity aside)
      assert.ok(hs.issued >= before - 1000, `issued ${hs.issued} not before the test started at ${before}`);
      assert.match(hs.url, /^\/socket\.io\/\?/);
      assert.equal(hs.query.room, "lobby");
      assert.equal(hs.query.EIO, "4");
      assert.ok(hs.query.transport === "polling" || hs.query.transport === "websocket");
      assert.deepEqual(hs.auth, { token: "abc", nested: { n: 1 } });
    });

    it("a cross-origin handshake has xdomain true", async () => {
      const { socket } = await h.connect("/", { extraHeaders: { origin: "http://example.com" } });
      assert.equal(socket.handshake.xdomain, true);
      assert.equal(socket.handshake.headers.origin, "http://example.com");
    });

    it("socket.id, socket.data, socket.rooms, socket.recovered, socket.connected", async () => {
      const { client, socket } = await h.connect();
      assert.equal(socket.id, client.id);
      assert.equal(typeof socket.id, "string");
      assert.deepEqual(socket.data, {});
      (socket.data as Record<string, unknown>).user = { name: "ada" };
      assert.deepEqual(socket.data, { user: { name: "ada" } });
      assert.deepEqual([...socket.rooms], [socket.id], "a socket starts in the room named after its id");
      socket.join(["a", "b"]);
      assert.deepEqual(new Set(socket.rooms), new Set([socket.id, "a", "b"]));
      socket.leave("a");
      assert.deepEqual(new Set(socket.rooms), new Set([socket.id, "b"]));
      assert.equal(socket.recovered, false);
      assert.equal(socket.connected, true);
      assert.equal(socket.disconnected, false);
    });

    it("socket.conn.transport.name and socket.request", async () => {
      const { socket } = await h.connect("/", { extraHeaders: { "x-req": "1" } });
      const expected = mode === "websocket" ? "websocket" : mode === "polling" ? "polling" : "websocket";
      assert.equal(socket.conn.transport.name, expected);
      assert.ok(socket.request instanceof IncomingMessage, "socket.request is the handshake IncomingMessage");
      assert.equal(socket.request.headers["x-req"], "1");
      assert.match(socket.request.url ?? "", /^\/socket\.io\/\?.*EIO=4/);
    });
  });
}
