// io.metrics() after scripted traffic: every figure is what the script did (real clients, real
// HTTP server on 127.0.0.1, raw peers for what no official client sends).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import type { Socket } from "@sockline/core";
import { Fixture, once } from "./helpers.js";

/** A raw Engine.IO v4 WebSocket peer that joins "/" and then sends what it is told. */
async function rawPeer(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
  const joined = new Promise<void>((resolve) =>
    ws.on("message", (data) => {
      const text = data.toString();
      if (text.startsWith("0{")) ws.send("40");
      if (text.startsWith("40{")) resolve();
    }),
  );
  await joined;
  return ws;
}

describe("io.metrics() counts what happened", () => {
  let fx: Fixture;
  const serverSockets: Socket[] = [];
  before(async () => {
    fx = await new Fixture({ maxPayloadDepth: 4 }).start();
    fx.io.on("connection", (socket) => {
      serverSockets.push(socket);
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    });
    fx.io.of("/chat").on("connection", () => {});
  });
  after(() => fx.close());

  it("connections, packets, broadcasts, acks, disconnects, refusals and limit hits", async () => {
    assert.equal(fx.io.metrics().engine?.connected.total, 0);

    // N = 3 clients on "/" (two over WebSocket, one polling), one more on "/chat", one polling that upgrades
    const ws1 = fx.client("/", { transports: ["websocket"] });
    const ws2 = fx.client("/", { transports: ["websocket"] });
    const poll = fx.client("/", { transports: ["polling"] });
    const chat = fx.client("/chat", { transports: ["websocket"] });
    await Promise.all([once(ws1, "connect"), once(ws2, "connect"), once(poll, "connect"), once(chat, "connect")]);
    const upgraded = once<Socket>(fx.io.of("/chat"), "connection").then(async (socket) => {
      if (socket.conn.transport.name !== "websocket") await once(socket.conn, "upgrade");
    });
    fx.client("/chat", { transports: ["polling", "websocket"] });
    await upgraded;

    let m = fx.io.metrics();
    assert.deepEqual(m.engine?.connected, { polling: 1, websocket: 4, total: 5 });
    assert.deepEqual(m.engine?.handshakes, { polling: 2, websocket: 3, total: 5 });
    assert.equal(m.engine?.upgrades, 1);
    assert.deepEqual(m.namespaces, {
      "/": { sockets: 3, transports: { websocket: 2, polling: 1 } },
      "/chat": { sockets: 2, transports: { websocket: 2 } },
    });
    assert.equal(m.packets.in.CONNECT, 5);
    assert.equal(m.packets.out.CONNECT, 5);

    // M = 4 emits with an ack from each of the three "/" clients
    for (const client of [ws1, ws2, poll]) {
      for (let i = 0; i < 4; i++) assert.equal(await client.emitWithAck("echo", i), i);
    }
    // one broadcast to "/" (3 recipients)
    const news = [ws1, ws2, poll].map((c) => once(c, "news"));
    fx.io.emit("news", "hello");
    await Promise.all(news);
    // acks asked of clients: one answered, one timed out, one still awaited
    ws1.on("ask", (ack: (v: string) => void) => ack("yes"));
    ws2.on("ignored", () => {});
    const [s1, s2] = [serverSockets.find((s) => s.id === ws1.id)!, serverSockets.find((s) => s.id === ws2.id)!];
    assert.equal(await s1.emitWithAck("ask"), "yes");
    await assert.rejects(s2.timeout(50).emitWithAck("ignored"), /timed out/);
    s2.emit("ignored", () => {});

    m = fx.io.metrics();
    assert.equal(m.packets.in.EVENT, 12);
    assert.equal(m.packets.out.ACK, 12);
    assert.equal(m.packets.in.ACK, 1);
    assert.equal(m.packets.out.EVENT, 3 + 3);
    assert.equal(m.broadcasts, 1);
    assert.equal(m.deliveries, 3);
    assert.deepEqual(m.acks, { sent: 3, answered: 1, timedOut: 1, pending: 1 });
    // every packet so far was one text engine message (no binary attachments)
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    assert.equal(m.engine?.messages.in, sum(m.packets.in));
    assert.equal(m.engine?.messages.out, sum(m.packets.out));
    assert.ok(m.engine!.bytes.in > 0 && m.engine!.bytes.out > m.engine!.bytes.in);

    // K = 3 disconnects with known reasons
    const gone = (socket: Socket) => once<string>(socket, "disconnect");
    const s3 = serverSockets.find((s) => s.id === poll.id)!;
    let reason = gone(s1);
    ws1.disconnect();
    assert.equal(await reason, "client namespace disconnect");
    reason = gone(s2);
    s2.disconnect();
    assert.equal(await reason, "server namespace disconnect");
    reason = gone(s3);
    s3.conn.close();
    assert.equal(await reason, "forced close");

    // a limit hit (maxPayloadDepth) and a protocol violation (an undecodable packet), from raw peers
    const deep = await rawPeer(fx.url);
    const deepClosed = once(deep, "close");
    deep.send('42["e",[[[[[1]]]]]]');
    await deepClosed;
    const broken = await rawPeer(fx.url);
    const brokenClosed = once(broken, "close");
    broken.send("4X");
    await brokenClosed;

    // refused requests: an unknown transport, an unsupported protocol version
    assert.equal((await fetch(`${fx.url}/socket.io/?EIO=4&transport=carrier-pigeon`)).status, 400);
    assert.equal((await fetch(`${fx.url}/socket.io/?EIO=3&transport=polling`)).status, 400);

    m = fx.io.metrics();
    assert.deepEqual(m.disconnects, {
      "client namespace disconnect": 1,
      "server namespace disconnect": 1,
      "forced close": 3, // s3, and the two raw peers closed by the server
    });
    assert.deepEqual(m.limits, { maxPayloadDepth: 1 });
    assert.deepEqual(m.violations, { "invalid-packet": 1, "unknown-transport": 1, "unsupported-protocol-version": 1 });
    assert.deepEqual(m.engine?.connectionErrors, { "0": 1, "5": 1 });
    assert.deepEqual(m.namespaces, { "/": { sockets: 0, transports: {} }, "/chat": { sockets: 2, transports: { websocket: 2 } } });
    // only the two "/chat" connections are left: a client whose last socket leaves closes its connection
    assert.deepEqual(m.engine?.connected, { polling: 0, websocket: 2, total: 2 });
    assert.deepEqual(m.engine?.closes, { "forced close": 3, "transport close": 2 });
    assert.equal(m.acks.pending, 0, "the socket that owed an answer is gone");
    assert.deepEqual(fx.io.engine.metrics(), m.engine);
  });
});

describe("io.metrics() counts connection state recovery", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }).start();
  });
  after(() => fx.close());

  it("attempts (a real reconnection, and a CONNECT with a session that does not exist) and successes", async () => {
    const client = fx.client("/", { transports: ["websocket"], reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 10 });
    const socket = await once<Socket>(fx.io, "connection");
    await once(client, "connect");
    fx.io.emit("news", 0); // the client holds an offset from now on
    await once(client, "news");
    const gone = once<string>(socket, "disconnect");
    (client.io as unknown as { engine: { close(): void } }).engine.close();
    assert.equal(await gone, "transport close");
    const restored = once<Socket>(fx.io, "connection");
    await once(client, "connect");
    assert.equal((await restored).recovered, true);
    const stranger = fx.client("/", { transports: ["websocket"], auth: { pid: "no-such-session", offset: "0-0" } });
    const fresh = await once<Socket>(fx.io, "connection");
    assert.equal(fresh.recovered, false);
    const m = fx.io.metrics();
    assert.deepEqual(m.recovery, { attempts: 2, successes: 1 });
    assert.equal(m.disconnects["transport close"], 1);
    // with recovery on every emit goes through the adapter (logged for replay): the broadcast above, one recipient
    assert.equal(m.broadcasts, 1);
    stranger.disconnect();
    client.disconnect();
  });
});
