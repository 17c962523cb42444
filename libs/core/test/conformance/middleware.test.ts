// Connection middlewares (io.use / nsp.use), per-packet middlewares (socket.use) and catch-all
// listeners (onAny and friends).
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Harness } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { once, record } from "@sockline/e2e/support";

type ErrorWithData = Error & { data?: unknown };

describe(`[${IMPL}] connection middlewares`, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({}, "websocket");
  });
  afterEach(() => h.close());

  it("io.use error reaches the client as connect_error with message and data", async () => {
    h.io.use((_socket, next) => {
      const err: ErrorWithData = new Error("not authorized");
      err.data = { content: "Please retry later", code: 42 };
      next(err);
    });
    const connections = record(h.io, "connection");
    const client = h.client("/");
    const [err] = await once<[ErrorWithData]>(client, "connect_error");
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { content: "Please retry later", code: 42 });
    assert.equal(connections.stop().length, 0);
  });

  it("middlewares run in order, can read auth and fill socket.data before connection", async () => {
    const order: string[] = [];
    h.io.use((socket, next) => {
      order.push("first");
      socket.data.user = (socket.handshake.auth as { user?: string }).user;
      next();
    });
    h.io.use((socket, next) => {
      order.push("second");
      socket.data.checked = true;
      next();
    });
    const { socket } = await h.connect("/", { auth: { user: "ada" } });
    assert.deepEqual(order, ["first", "second"]);
    assert.deepEqual(socket.data, { user: "ada", checked: true });
  });

  it("a middleware may join rooms before the connection event", async () => {
    h.io.use((socket, next) => {
      socket.join("vip");
      next();
    });
    const { client, socket } = await h.connect();
    assert.equal(socket.rooms.has("vip"), true);
    const got = once(client, "perk");
    h.io.to("vip").emit("perk", 1);
    assert.deepEqual(await got, [1]);
  });

  it("an asynchronous middleware may call next later", async () => {
    h.io.use((socket, next) => {
      setTimeout(() => {
        socket.data.late = true;
        next();
      }, 20);
    });
    const { socket } = await h.connect();
    assert.equal(socket.data.late, true);
  });

  it("nsp.use only guards its own namespace", async () => {
    h.io.of("/admin").use((socket, next) => {
      const token = (socket.handshake.auth as { token?: string }).token;
      if (token === "admin") return next();
      const err: ErrorWithData = new Error("forbidden");
      err.data = { namespace: "/admin" };
      next(err);
    });
    const main = await h.connect("/");
    assert.equal(main.client.connected, true);
    const refused = h.client("/admin");
    const [err] = await once<[ErrorWithData]>(refused, "connect_error");
    assert.equal(err.message, "forbidden");
    assert.deepEqual(err.data, { namespace: "/admin" });
    const admin = await h.connect("/admin", { auth: { token: "admin" } });
    assert.equal(admin.socket.nsp.name, "/admin");
  });

  it("a refused client may retry with another auth on the same socket", async () => {
    h.io.use((socket, next) => {
      if ((socket.handshake.auth as { token?: string }).token === "good") next();
      else next(new Error("bad token"));
    });
    const client = h.client("/", { auth: { token: "bad" } });
    const [err] = await once<[Error]>(client, "connect_error");
    assert.equal(err.message, "bad token");
    client.auth = { token: "good" };
    const connection = once(h.io, "connection");
    client.connect();
    await Promise.all([once(client, "connect"), connection]);
  });
});

describe(`[${IMPL}] per-packet middlewares and catch-all listeners`, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({}, "websocket");
  });
  afterEach(() => h.close());

  it("socket.use errors reach the socket's error event and skip the handler; other events pass", async () => {
    const { client, socket } = await h.connect();
    socket.use(([event, ...args], next) => {
      if (event === "forbidden") return next(new Error(`"${String(event)}" is not allowed (${args.length} args)`));
      next();
    });
    const handled = record(socket, "forbidden");
    const error = once<[Error]>(socket, "error");
    client.emit("forbidden", 1, 2);
    const [err] = await error;
    assert.equal(err.message, '"forbidden" is not allowed (2 args)');
    const allowed = once(socket, "allowed");
    client.emit("allowed", "yes");
    assert.deepEqual(await allowed, ["yes"]);
    assert.equal(handled.stop().length, 0);
    assert.equal(socket.connected, true, "a middleware error does not disconnect by itself");
  });

  it("socket.use middlewares can transform the arguments, in registration order", async () => {
    const { client, socket } = await h.connect();
    socket.use((packet, next) => {
      packet.push("first");
      next();
    });
    socket.use((packet, next) => {
      packet.push("second");
      next();
    });
    const got = once(socket, "ev");
    client.emit("ev", 0);
    assert.deepEqual(await got, [0, "first", "second"]);
  });

  it("onAny, prependAny, offAny and listenersAny", async () => {
    const { client, socket } = await h.connect();
    const calls: string[] = [];
    const any = (event: string, ...args: unknown[]) => calls.push(`any:${event}:${JSON.stringify(args)}`);
    const first = (event: string) => calls.push(`prepended:${event}`);
    socket.onAny(any);
    socket.prependAny(first);
    assert.deepEqual(socket.listenersAny(), [first, any]);
    let got = once(socket, "one");
    client.emit("one", 1, "a");
    await got;
    assert.deepEqual(calls, ["prepended:one", 'any:one:[1,"a"]']);
    socket.offAny(first);
    got = once(socket, "two");
    client.emit("two");
    await got;
    assert.deepEqual(calls.slice(2), ["any:two:[]"]);
    socket.offAny();
    assert.deepEqual(socket.listenersAny(), []);
    got = once(socket, "three");
    client.emit("three");
    await got;
    assert.equal(calls.length, 3);
  });

  it("onAny also sees events with an ack", async () => {
    const { client, socket } = await h.connect();
    const seen = new Promise<unknown[]>((resolve) => socket.onAny((...args: unknown[]) => resolve(args)));
    socket.on("q", (ack: (v: string) => void) => ack("a"));
    assert.equal(await client.emitWithAck("q"), "a");
    const [event, ack] = await seen;
    assert.equal(event, "q");
    assert.equal(typeof ack, "function");
  });

  it("onAnyOutgoing, prependAnyOutgoing and offAnyOutgoing see what the server emits", async () => {
    const { client, socket } = await h.connect();
    const calls: string[] = [];
    const out = (event: string, ...args: unknown[]) => calls.push(`out:${event}:${JSON.stringify(args)}`);
    const first = (event: string) => calls.push(`first:${event}`);
    socket.onAnyOutgoing(out);
    socket.prependAnyOutgoing(first);
    assert.deepEqual(socket.listenersAnyOutgoing(), [first, out]);
    let got = once(client, "hello");
    socket.emit("hello", { a: 1 });
    await got;
    assert.deepEqual(calls, ["first:hello", 'out:hello:[{"a":1}]']);
    socket.offAnyOutgoing(first);
    socket.offAnyOutgoing(out);
    got = once(client, "hello");
    socket.emit("hello", 2);
    await got;
    assert.equal(calls.length, 2);
  });

  it("client-side onAny and onAnyOutgoing see events of the official client", async () => {
    const { client, socket } = await h.connect();
    const incoming = new Promise<unknown[]>((resolve) => client.onAny((...args: unknown[]) => resolve(args)));
    const outgoing = new Promise<unknown[]>((resolve) => client.onAnyOutgoing((...args: unknown[]) => resolve(args)));
    socket.emit("from-server", 1);
    client.emit("from-client", 2);
    assert.deepEqual(await incoming, ["from-server", 1]);
    assert.deepEqual(await outgoing, ["from-client", 2]);
  });
});
