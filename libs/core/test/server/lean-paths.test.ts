// The lean code paths behind the bench targets, checked against real peers: frames Sockline builds
// itself (every length class, multi-byte text, broadcasts sharing one frame), the hand-split query,
// the shared text decoder and the per-connection binary decoder, the listener table, the one-timer
// connectTimeout and a connection with several namespaces.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Socket } from "@sockline/core";
import { WebSocket } from "ws";
import { Fixture, once, onceAll, sleep } from "./helpers.js";

/** A raw WebSocket speaking Engine.IO 4 / Socket.IO 5 by hand: every text frame it receives, in order. */
class RawClient {
  readonly frames: string[] = [];
  private waiters: (() => void)[] = [];
  readonly ws: WebSocket;

  constructor(url: string, query = "EIO=4&transport=websocket") {
    this.ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?${query}`);
    this.ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text === "2") this.ws.send("3");
      else this.frames.push(text);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves with the first received frame (after `from`) that satisfies `test`. */
  async next(test: (frame: string) => boolean, from = 0): Promise<string> {
    for (;;) {
      const found = this.frames.slice(from).find(test);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.ws.close();
  }
}

describe("lean paths: frames, query, decoders, listeners, timers", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture({ connectTimeout: 300 }).start();
  });
  after(() => fx.close());

  it("text frames of every length class arrive intact, multi-byte text included", async () => {
    const serverSide = once<Socket>(fx.io, "connection");
    const raw = new RawClient(fx.url);
    await raw.next((f) => f.startsWith("0{"));
    raw.ws.send("40");
    const socket = await serverSide;
    await raw.next((f) => f.startsWith("40{"));
    // the Engine.IO payload is "4" + "2" + JSON: lengths around the 7-bit / 16-bit / 64-bit limits
    // and around the 64 KiB limit of the single-buffer path
    const overhead = '42["t",""]'.length;
    const lengths = [0, 125 - overhead, 126 - overhead, 65535 - overhead, 65536 - overhead, 65537 - overhead, 200_000];
    for (const n of lengths) {
      const text = "a".repeat(n);
      const from = raw.frames.length;
      socket.emit("t", text);
      assert.equal(await raw.next((f) => f.startsWith('42["t"'), from), `42["t","${text}"]`, `payload of ${n} characters`);
    }
    const multiByte = "héllo wörld ✓ 😀".repeat(20);
    const from = raw.frames.length;
    socket.emit("t", multiByte);
    assert.equal(await raw.next((f) => f.startsWith('42["t"'), from), `42["t","${multiByte}"]`);
    raw.close();
  });

  it("a broadcast gives every recipient the same bytes (one shared frame), official clients included", async () => {
    const clients = [
      fx.client("/", { transports: ["websocket"] }),
      fx.client("/", { transports: ["websocket"] }),
      fx.client("/", { transports: ["websocket"] }),
    ];
    await Promise.all(clients.map((c) => once(c, "connect")));
    for (const socket of fx.io.sockets.sockets.values()) socket.join("shared");
    const payload = { text: "ünïcode ✓", n: 42, list: [1, 2, 3] };
    const received = Promise.all(clients.map((c) => onceAll(c, "news")));
    fx.io.to("shared").emit("news", payload, "second");
    for (const args of await received) assert.deepEqual(args, [payload, "second"]);
    // above 64 KiB a broadcast shares a header and a payload Buffer (64-bit length form): a text
    // whose UTF-8 only is over the limit, plain and multi-byte texts
    for (const big of ["✓".repeat(22_000), "b".repeat(70_000), "é".repeat(600_000)]) {
      const receivedBig = Promise.all(clients.map((c) => once<string>(c, "big")));
      fx.io.to("shared").emit("big", big);
      for (const text of await receivedBig) assert.equal(text, big);
    }
    for (const c of clients) c.disconnect();
  });

  it("the handshake query reads like URLSearchParams: escapes, '+', repeated keys, empty values", async () => {
    const cases: [string, Record<string, string>][] = [
      ["EIO=4&transport=websocket&a=1&b=&c", { EIO: "4", transport: "websocket", a: "1", b: "", c: "" }],
      ["EIO=4&transport=websocket&x=1&x=2&&y=a=b", { EIO: "4", transport: "websocket", x: "2", y: "a=b" }],
      ["EIO=4&transport=websocket&name=J%C3%BCrgen+M&sp=a+b", { EIO: "4", transport: "websocket", name: "Jürgen M", sp: "a b" }],
      ["EIO=4&transport=websocket&__proto__=x&constructor=y", { EIO: "4", transport: "websocket", ["__proto__"]: "x", constructor: "y" }],
    ];
    for (const [query, expected] of cases) {
      const serverSide = once<Socket>(fx.io, "connection");
      const raw = new RawClient(fx.url, query);
      await raw.next((f) => f.startsWith("0{"));
      raw.ws.send("40");
      const socket = await serverSide;
      const got = socket.handshake.query;
      assert.equal(Object.getPrototypeOf(got), Object.prototype, `query of ${query} keeps its prototype`);
      assert.deepEqual({ ...got }, { ...Object.fromEntries(new URLSearchParams(query)) }, query);
      for (const [key, value] of Object.entries(expected))
        assert.equal(Object.getOwnPropertyDescriptor(got, key)?.value, value, `${key} in ${query}`);
      raw.close();
    }
  });

  it("text, then binary packets (several), then text again from one client decode in order", async () => {
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/", { transports: ["websocket"] });
    const socket = await serverSide;
    await once(client, "connect");
    const seen: unknown[] = [];
    socket.on("m", (value: unknown, ack?: (v: unknown) => void) => {
      seen.push(value);
      ack?.(value);
    });
    client.emit("m", "first");
    const echoed = await client.emitWithAck("m", Buffer.from([1, 2, 3]));
    assert.deepEqual(Buffer.from(echoed as Buffer), Buffer.from([1, 2, 3]));
    client.emit("m", { two: Buffer.from([4]), three: [Buffer.from([5])] });
    client.emit("m", "last");
    await client.emitWithAck("m", "sync");
    assert.equal(seen.length, 5);
    assert.equal(seen[0], "first");
    assert.deepEqual(seen[1], Buffer.from([1, 2, 3]));
    assert.deepEqual(seen[2], { two: Buffer.from([4]), three: [Buffer.from([5])] });
    assert.equal(seen[3], "last");
    client.disconnect();
  });

  it("events named like Object.prototype members reach their listeners and nothing else", async () => {
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/", { transports: ["websocket"] });
    const socket = await serverSide;
    await once(client, "connect");
    const got: string[] = [];
    socket.on("toString", (v: string) => got.push(`toString:${v}`));
    socket.on("constructor", (v: string) => got.push(`constructor:${v}`));
    socket.on("done", () => got.push("done"));
    // no listener for these: they must be ignored, not call an inherited method
    client.emit("hasOwnProperty", "x");
    client.emit("valueOf", "x");
    client.emit("toString", "a");
    client.emit("constructor", "b");
    const done = new Promise<void>((resolve) => socket.once("done", () => resolve()));
    client.emit("done");
    await done;
    assert.deepEqual(got, ["toString:a", "constructor:b", "done"]);
    assert.deepEqual(socket.eventNames().sort(), ["constructor", "done", "toString"]);
    assert.equal(socket.listenerCount("hasOwnProperty"), 0);
    client.disconnect();
  });

  it("engine connection listeners added after the connection still see data and the close", async () => {
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/", { transports: ["websocket"] });
    const socket = await serverSide;
    await once(client, "connect");
    const conn = socket.conn as unknown as { on(ev: string, fn: (...a: unknown[]) => void): void; listenerCount(ev: string): number };
    const data: unknown[] = [];
    conn.on("data", (d) => data.push(d));
    const closed = new Promise<unknown>((resolve) => conn.on("close", (reason) => resolve(reason)));
    const event = once(socket, "ping-me");
    client.emit("ping-me");
    await event;
    assert.deepEqual(data, ['2["ping-me"]']);
    assert.equal(conn.listenerCount("data"), 1);
    const disconnected = once<string>(socket, "disconnect");
    socket.conn.close();
    assert.equal(await closed, "forced close");
    assert.equal(await disconnected, "forced close");
    client.disconnect();
  });

  it("connectTimeout closes only the connections that joined no namespace, each in its time", async () => {
    const joined = new RawClient(fx.url);
    const idleA = new RawClient(fx.url);
    await joined.next((f) => f.startsWith("0{"));
    await idleA.next((f) => f.startsWith("0{"));
    joined.ws.send("40");
    await joined.next((f) => f.startsWith("40{"));
    await sleep(150);
    const idleB = new RawClient(fx.url); // opened later: closed later
    await idleB.next((f) => f.startsWith("0{"));
    const closedA = once(idleA.ws, "close");
    await closedA;
    assert.equal(idleB.ws.readyState, WebSocket.OPEN, "the later connection still has time");
    await once(idleB.ws, "close");
    assert.equal(joined.ws.readyState, WebSocket.OPEN, "a connection that joined a namespace stays");
    joined.close();
  });

  it("one connection in several namespaces: leaving one keeps the others, rejoining works", async () => {
    fx.io.of("/a");
    fx.io.of("/b");
    const main = fx.client("/", { transports: ["websocket"] });
    await once(main, "connect");
    const a = main.io.socket("/a");
    const b = main.io.socket("/b");
    a.connect();
    b.connect();
    await Promise.all([once(a, "connect"), once(b, "connect")]);
    const echo = (nsp: string) => (v: unknown, ack: (v: unknown) => void) => ack(`${nsp}:${v}`);
    for (const name of ["/", "/a", "/b"]) for (const s of fx.io.of(name).sockets.values()) s.on("e", echo(name));
    assert.equal(await a.emitWithAck("e", 1), "/a:1");
    assert.equal(await b.emitWithAck("e", 2), "/b:2");
    main.disconnect(); // leaves "/" only: the multiplexed connection stays for /a and /b
    await sleep(50);
    assert.equal(await b.emitWithAck("e", 3), "/b:3");
    assert.equal(await a.emitWithAck("e", 4), "/a:4");
    const mainSockets = () =>
      [...fx.io.of("/").sockets.values()].filter((s) => s.conn.id === (a as unknown as { io: { engine: { id: string } } }).io.engine.id);
    assert.equal(mainSockets().length, 0);
    const rejoined = once<Socket>(fx.io.of("/"), "connection");
    main.connect();
    (await rejoined).on("e", echo("/"));
    assert.equal(await main.emitWithAck("e", 5), "/:5");
    a.disconnect();
    b.disconnect();
    main.disconnect();
  });
});
