import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import type { Socket } from "@sockline/core";
import { Fixture, once } from "./helpers.js";

/**
 * Reads the WebSocket frame headers the server sends, straight from the TCP stream, to see which
 * messages were compressed (RSV1 bit set by permessage-deflate).
 */
function frameHeaders(ws: WebSocket): { text: string; compressed: boolean }[] {
  const seen: { text: string; compressed: boolean }[] = [];
  let pending = Buffer.alloc(0);
  // Frames that arrive with the 101 response (the open packet) are not inspected.
  ws.once("upgrade", (res) => {
    res.socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        let length = pending[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (pending.length < 4) return;
          length = pending.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (pending.length < 10) return;
          length = Number(pending.readBigUInt64BE(2));
          offset = 10;
        }
        if (pending.length < offset + length) return;
        const compressed = (pending[0]! & 0x40) !== 0;
        const payload = pending.subarray(offset, offset + length);
        seen.push({ text: compressed ? "" : payload.toString(), compressed });
        pending = pending.subarray(offset + length);
      }
    });
  });
  return seen;
}

describe("compress(false) over WebSocket with perMessageDeflate on", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture({ perMessageDeflate: { threshold: 0 } }).start();
  });
  after(() => fx.close());

  it("sends compress(false) packets uncompressed and the others compressed", async () => {
    const connected = once<Socket>(fx.io, "connection");
    const ws = new WebSocket(fx.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", { perMessageDeflate: true });
    const frames = frameHeaders(ws);
    const messages: string[] = [];
    ws.on("message", (data) => {
      const text = data.toString();
      messages.push(text);
      if (text.startsWith("0{")) ws.send("40");
    });
    const socket = await connected;
    socket.on("sync", (cb: () => void) => cb());
    socket.emit("default", "x".repeat(50));
    socket.compress(false).emit("plain", "y".repeat(50));
    fx.io.compress(false).emit("plain-broadcast", "z".repeat(50));
    fx.io.emit("default-broadcast", "w".repeat(50));
    ws.send('421["sync"]');
    await new Promise<void>((resolve) => ws.on("message", (d) => d.toString().startsWith("431") && resolve()));
    const plain = frames.filter((f) => !f.compressed).map((f) => f.text);
    assert.ok(
      plain.some((t) => t.startsWith('42["plain",')),
      "socket.compress(false) frame is not compressed",
    );
    assert.ok(
      plain.some((t) => t.startsWith('42["plain-broadcast",')),
      "io.compress(false) frame is not compressed",
    );
    assert.equal(
      plain.some((t) => t.includes('"default')),
      false,
      "other frames are compressed",
    );
    assert.ok(
      messages.some((m) => m.startsWith('42["default",')),
      "compressed frames still decode",
    );
    ws.close();
    await once(ws, "close");
  });
});
