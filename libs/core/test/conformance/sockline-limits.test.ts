// Limits Sockline adds on top of the reference (libs/core/docs/server.md, "Limits Sockline adds").
// The reference has none of them, so these tests run only against Sockline.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ServerOptions } from "socket.io";
import type WebSocket from "ws";
import { Harness, connected, type ClientSocket, type ServerSocket } from "./helpers/harness.js";
import { IMPL, SOCKLINE_ONLY } from "./helpers/impl.js";
import { joinedRaw, RawClient } from "./helpers/raw.js";
import { connectBystander, type Bystander } from "./helpers/bystander.js";
import { once, record } from "@sockline/e2e/support";

/** Sockline's extra options (not in the reference's ServerOptions type). */
interface SocklineLimits {
  maxAttachments?: number;
  maxPayloadDepth?: number;
  attachmentTimeout?: number;
  maxPendingAcks?: number;
  connectionStateRecovery?: ServerOptions["connectionStateRecovery"] & { maxPackets?: number; maxSessions?: number };
}

function withLimits(limits: SocklineLimits, rest: Partial<ServerOptions> = {}): Partial<ServerOptions> {
  return { ...rest, ...limits } as Partial<ServerOptions>;
}

/** A JSON array nested `depth` levels deep: 2 × depth characters. */
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe(`[${IMPL}] Sockline limits: payload depth, attachments, acks`, { skip: SOCKLINE_ONLY }, () => {
  let h: Harness;
  let bystander: Bystander;
  const raws: RawClient[] = [];
  before(async () => {
    h = await Harness.start(withLimits({ attachmentTimeout: 200, maxPendingAcks: 3 }), "websocket");
    bystander = await connectBystander(h);
    // an application that echoes what it gets: the dangerous pattern for deep payloads
    h.io.on("connection", (socket) => {
      socket.on("deep", (payload: unknown, ack?: (v: unknown) => void) => {
        socket.emit("deep", payload);
        if (typeof ack === "function") ack(payload);
      });
    });
  });
  after(async () => {
    raws.forEach((r) => {
      r.close();
    });
    await h.close();
  });

  it("a 10 KB payload nested 5,000 levels deep, acked and re-emitted by a handler, closes the connection", async () => {
    const { raw, socket } = await joinedRaw(h, raws);
    const handled = record(socket, "deep");
    const payload = nested(5000);
    assert.equal(payload.length, 10_000);
    raw.sendPacket(`21["deep",${payload}]`);
    await raw.waitClosed("the server to close the connection that sent a 5,000-level payload");
    assert.equal(handled.stop().length, 0, "the handler never saw it");
    await bystander.assertAlive();
  });

  it("a 1,000-level payload from the official client: that client is disconnected, others carry on", async () => {
    // (the official client's own JSON.stringify overflows its stack at 5,000 levels)
    const { client } = await h.connect("/");
    const disconnected = once<[string]>(client, "disconnect");
    client.emit("deep", JSON.parse(nested(1000)));
    const [reason] = await disconnected;
    assert.equal(reason, "transport close");
    await bystander.assertAlive();
  });

  it("a moderately nested payload (50 levels) is accepted, acked and re-emitted", async () => {
    const { client } = await h.connect("/");
    const value = JSON.parse(nested(50));
    const echoed = once(client, "deep");
    assert.deepEqual(await client.emitWithAck("deep", value), value);
    assert.deepEqual(await echoed, [value]);
    client.disconnect();
  });

  it("a binary packet whose attachments never arrive times out and closes the connection", async () => {
    const { raw, socket } = await joinedRaw(h, raws);
    const errors = record<Error>(socket, "error");
    raw.sendPacket('52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    raw.sendBinary(Buffer.from([1])); // one of two
    await raw.waitClosed("the server to close a connection whose attachments never came");
    const messages = errors.stop().map(([e]) => e.message);
    assert.ok(
      messages.some((m) => /attachmentTimeout/.test(m)),
      `error names the limit: ${JSON.stringify(messages)}`,
    );
    await bystander.assertAlive();
  });

  it("more unanswered acks than maxPendingAcks closes that connection with an error naming the limit", async () => {
    const { client, socket } = await h.connect("/");
    client.on("never", () => {
      /* never acknowledges */
    });
    const error = once<[Error]>(socket, "error");
    const disconnected = once<[string]>(client, "disconnect");
    for (let i = 0; i < 4; i++) socket.emit("never", i, () => undefined);
    const [err] = await error;
    assert.match(err.message, /maxPendingAcks/);
    await disconnected;
    await bystander.assertAlive();
  });

  it("answered acks do not count against maxPendingAcks", async () => {
    const { client, socket } = await h.connect("/");
    client.on("q", (ack: (v: number) => void) => ack(1));
    for (let i = 0; i < 10; i++) assert.equal(await socket.emitWithAck("q"), 1);
    assert.equal(client.connected, true);
    client.disconnect();
  });

  it("stricter than the reference: an ack id longer than 15 digits closes the connection", async () => {
    const { raw } = await joinedRaw(h, raws);
    raw.sendPacket('31234567890123456["x"]');
    await raw.waitClosed();
    await bystander.assertAlive();
  });

  it("stricter than the reference: a fractional placeholder index closes the connection", async () => {
    const { raw } = await joinedRaw(h, raws);
    raw.sendPacket('51-["ev",{"_placeholder":true,"num":0.5}]');
    raw.sendBinary(Buffer.from([1]));
    await raw.waitClosed();
    await bystander.assertAlive();
  });
});

describe(`[${IMPL}] Sockline limits: maxPayloadDepth option`, { skip: SOCKLINE_ONLY }, () => {
  it("maxPayloadDepth: 10 refuses 20 levels and accepts 5", async () => {
    const h = await Harness.start(withLimits({ maxPayloadDepth: 10 }), "websocket");
    try {
      h.io.on("connection", (s) => s.on("v", (v: unknown, ack: (x: unknown) => void) => ack(v)));
      const ok = await h.connect("/");
      assert.deepEqual(await ok.client.emitWithAck("v", JSON.parse(nested(5))), JSON.parse(nested(5)));
      const bad = await h.connect("/");
      const gone = once(bad.client, "disconnect");
      bad.client.emit("v", JSON.parse(nested(20)));
      await gone;
      assert.equal(ok.client.connected, true);
    } finally {
      await h.close();
    }
  });
});

describe(`[${IMPL}] Sockline limits: connection state recovery`, { skip: SOCKLINE_ONLY }, () => {
  const recovery = (extra: { maxPackets?: number; maxSessions?: number }) =>
    withLimits({ connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true, ...extra } });

  /** Connects, receives one packet (the recovery offset), then loses the transport. */
  async function connectThenDrop(h: Harness) {
    const { client, socket } = await h.connect("/");
    const init = once(client, "init");
    socket.emit("init");
    await init;
    const serverSide = once(socket, "disconnect");
    const clientSide = once(client, "disconnect");
    socket.conn.close();
    await Promise.all([serverSide, clientSide]);
    return { client, id: socket.id };
  }

  async function reconnect(h: Harness, client: ClientSocket): Promise<ServerSocket> {
    const connection = once<[ServerSocket]>(h.io, "connection");
    client.connect();
    await connected(client);
    const [socket] = await connection;
    return socket;
  }

  it("maxPackets bounds the replay log: a client whose offset fell out starts a fresh session", async () => {
    const h = await Harness.start(recovery({ maxPackets: 5 }), "websocket");
    try {
      const within = await connectThenDrop(h);
      h.io.emit("missed", 1);
      h.io.emit("missed", 2);
      const restored = await reconnect(h, within.client);
      assert.equal(restored.recovered, true, "a gap that fits the log is recovered");
      assert.equal(restored.id, within.id);

      const beyond = await connectThenDrop(h);
      for (let i = 0; i < 10; i++) h.io.emit("missed", i);
      const fresh = await reconnect(h, beyond.client);
      assert.equal(fresh.recovered, false, "the offset fell out of a 5-packet log");
      assert.notEqual(fresh.id, beyond.id);
    } finally {
      await h.close();
    }
  });

  it("maxSessions bounds the session table: the oldest disconnected session goes first", async () => {
    const h = await Harness.start(recovery({ maxSessions: 1 }), "websocket");
    try {
      const older = await connectThenDrop(h);
      const newer = await connectThenDrop(h);
      const olderBack = await reconnect(h, older.client);
      const newerBack = await reconnect(h, newer.client);
      assert.equal(olderBack.recovered, false);
      assert.equal(newerBack.recovered, true);
      assert.equal(newerBack.id, newer.id);
    } finally {
      await h.close();
    }
  });

  it("a session is restored only once: presenting the same pid and offset again starts fresh", async () => {
    const h = await Harness.start(recovery({}), "websocket");
    const raws: RawClient[] = [];
    try {
      const connection = once<[ServerSocket]>(h.io, "connection");
      const first = await RawClient.connect(h.url);
      raws.push(first);
      first.sendPacket("0");
      const { sid, pid } = JSON.parse((await first.nextText()).slice(1)) as { sid: string; pid: string };
      assert.equal(typeof pid, "string", "CONNECT answer carries a pid with recovery on");
      const [socket] = await connection;
      socket.emit("init");
      const init = JSON.parse((await first.nextText()).slice(1)) as unknown[];
      const offset = init[init.length - 1] as string;
      const gone = once(socket, "disconnect");
      first.close();
      await gone;

      const second = await RawClient.connect(h.url);
      raws.push(second);
      second.sendPacket(`0${JSON.stringify({ pid, offset })}`);
      const restored = JSON.parse((await second.nextText()).slice(1)) as { sid: string };
      assert.equal(restored.sid, sid, "the first presentation restores the session");

      const third = await RawClient.connect(h.url);
      raws.push(third);
      third.sendPacket(`0${JSON.stringify({ pid, offset })}`);
      const replay = JSON.parse((await third.nextText()).slice(1)) as { sid: string };
      assert.notEqual(replay.sid, sid, "the second presentation gets a fresh session");
    } finally {
      raws.forEach((r) => {
        r.close();
      });
      await h.close();
    }
  });
});

describe(`[${IMPL}] Sockline: compress(false) over websocket with perMessageDeflate`, { skip: SOCKLINE_ONLY }, () => {
  it("compressible packets are deflated unless emitted with compress(false)", async () => {
    const h = await Harness.start({ perMessageDeflate: { threshold: 0 } }, "websocket");
    const raws: RawClient[] = [];
    try {
      const connection = once<[ServerSocket]>(h.io, "connection");
      const raw = await RawClient.connect(h.url, { ws: { perMessageDeflate: true } });
      raws.push(raw);
      raw.sendPacket("0");
      await raw.nextText();
      const [socket] = await connection;
      const tcp = (raw.ws as WebSocket & { _socket: { bytesRead: number } })._socket;
      const text = "a".repeat(20_000);

      let before = tcp.bytesRead;
      socket.emit("big", text);
      assert.equal((await raw.nextText()).length, text.length + 11);
      const compressedBytes = tcp.bytesRead - before;

      before = tcp.bytesRead;
      socket.compress(false).emit("big", text);
      assert.equal((await raw.nextText()).length, text.length + 11);
      const plainBytes = tcp.bytesRead - before;

      before = tcp.bytesRead;
      h.io.compress(false).emit("big", text);
      assert.equal((await raw.nextText()).length, text.length + 11);
      const broadcastPlainBytes = tcp.bytesRead - before;

      // The reference deflates all three (it ignores compress(false) over websocket).
      assert.ok(compressedBytes < text.length / 4, `deflated by default (${compressedBytes} bytes on the wire)`);
      assert.ok(plainBytes > text.length, `socket.compress(false) sent as is (${plainBytes} bytes on the wire)`);
      assert.ok(broadcastPlainBytes > text.length, `io.compress(false) sent as is (${broadcastPlainBytes} bytes)`);
    } finally {
      raws.forEach((r) => {
        r.close();
      });
      await h.close();
    }
  });
});
