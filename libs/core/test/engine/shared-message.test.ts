// One message written to many sessions (a Socket.IO broadcast hands the engine a SharedMessage): every
// kind of session gets the same text, and the websocket frame is built once and reused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WebSocket } from "ws";
import { SharedMessage, type Socket as EngineSocket } from "@sockline/core/engine";
import { nextConnection, nextMessage, poll, pollingHandshake, rawWebSocket, startServer } from "./helpers.js";

describe("engine: a message shared by several sessions (SharedMessage)", () => {
  it("reaches websocket sessions (with and without permessage-deflate) and polling sessions as the same text, in order", async () => {
    const server = await startServer({ perMessageDeflate: { threshold: 0 } });
    const sockets: WebSocket[] = [];
    try {
      const sessions: EngineSocket[] = [];
      server.engine.on("connection", (session: EngineSocket) => sessions.push(session));
      const plain = await rawWebSocket(server, undefined, { perMessageDeflate: false });
      const deflated = await rawWebSocket(server);
      sockets.push(plain, deflated);
      assert.match(deflated.extensions, /permessage-deflate/, "the second websocket compresses (ws offers it by default)");
      assert.equal(plain.extensions, "");
      const { open } = await pollingHandshake(server);
      for (const ws of sockets) assert.match(String(await nextMessage(ws)), /^0\{/);
      assert.equal(sessions.length, 3);

      const small = new SharedMessage('2["news","ünïcode ✓"]');
      // over 64 KiB of UTF-8: the frame is a header and the payload
      const large = new SharedMessage(`2["big","${"é".repeat(40_000)}"]`);
      const uncompressed = new SharedMessage('2["plain"]', false);
      for (const session of sessions) {
        session.send("before");
        for (const message of [small, large, uncompressed]) session.sendShared(message);
        session.send("after");
      }
      const expected = ["4before", "4" + small.text, "4" + large.text, "4" + uncompressed.text, "4after"];
      for (const ws of sockets) {
        const received: string[] = [];
        for (let i = 0; i < expected.length; i++) received.push(String(await nextMessage(ws)));
        assert.deepEqual(received, expected);
      }
      const body = await (await poll(server, open.sid)).text();
      assert.deepEqual(body.split("\x1e"), expected);
    } finally {
      for (const ws of sockets) ws.close();
      await server.close();
    }
  });

  it("builds its websocket frame once: every later recipient gets the same Buffers", async () => {
    const server = await startServer();
    try {
      const firstNext = nextConnection(server.engine);
      const first = await rawWebSocket(server, undefined, { perMessageDeflate: false });
      const firstSession = await firstNext;
      const secondSessionNext = nextConnection(server.engine);
      const second = await rawWebSocket(server, undefined, { perMessageDeflate: false });
      const secondSession = await secondSessionNext;
      for (const ws of [first, second]) await nextMessage(ws);
      const message = new SharedMessage("x".repeat(100));
      firstSession.sendShared(message);
      const frame = message.wsFrame();
      secondSession.sendShared(message);
      assert.equal(message.wsFrame(), frame, "the frame built for the first recipient is kept");
      assert.deepEqual(Buffer.concat(frame), Buffer.concat([Buffer.from([0x81, 101, 0x34]), Buffer.from(message.text)]));
      for (const ws of [first, second]) assert.equal(String(await nextMessage(ws)), "4" + message.text);
      first.close();
      second.close();
    } finally {
      await server.close();
    }
  });
});
