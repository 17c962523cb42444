// Client offline buffering and connection state recovery.
import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import type { ServerOptions } from "socket.io";
import { Harness, TRANSPORT_MODES, connected, type ClientSocket, type ServerSocket } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { once, record, sleep } from "@sockline/e2e/support";

const RECONNECTING = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 50, randomizationFactor: 0 };

function recoveryOptions(extra: Partial<NonNullable<ServerOptions["connectionStateRecovery"]>> = {}): Partial<ServerOptions> {
  return { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true, ...extra } };
}

/** Gives the client an offset to recover from: recovery resumes after the last packet it processed. */
async function receiveOne(client: ClientSocket, socket: ServerSocket): Promise<void> {
  const got = once(client, "init");
  socket.emit("init", "first");
  await got;
}

describe(`[${IMPL}] client offline buffering`, () => {
  let h: Harness;
  afterEach(() => h.close());

  for (const mode of TRANSPORT_MODES) {
    it(`events emitted while disconnected are sent after the reconnection (${mode})`, async () => {
      h = await Harness.start({}, mode);
      const { client, socket } = await h.connect("/", RECONNECTING);
      const received: unknown[] = [];
      h.io.on("connection", (s: ServerSocket) => s.on("buffered", (n: unknown) => received.push(n)));
      const disconnected = once<[string]>(client, "disconnect");
      socket.conn.close();
      const [reason] = await disconnected;
      assert.equal(reason, "transport close");
      client.emit("buffered", 1);
      client.emit("buffered", 2);
      assert.equal(client.sendBuffer.length, 2, "the client holds them while offline");
      const second = once<[ServerSocket]>(h.io, "connection");
      await once(client, "connect");
      const [socket2] = await second;
      const done = once(socket2, "sentinel");
      client.emit("sentinel");
      await done;
      assert.deepEqual(received, [1, 2]);
    });
  }
});

describe(`[${IMPL}] connection state recovery`, () => {
  let h: Harness;
  afterEach(() => h.close());

  for (const mode of TRANSPORT_MODES) {
    it(`missed packets are replayed in order; id, rooms and data restored; recovered on both sides (${mode})`, async () => {
      h = await Harness.start(recoveryOptions(), mode);
      let middlewareRuns = 0;
      h.io.use((_socket, next) => {
        middlewareRuns++;
        next();
      });
      const { client, socket } = await h.connect("/", RECONNECTING);
      assert.equal(socket.recovered, false);
      socket.join(["room1", "room2"]);
      socket.data.user = "ada";
      await receiveOne(client, socket);
      const missed = record(client, "missed");
      const other = record(client, "not-for-you");

      socket.on("disconnect", () => {
        // while the client is away: these must be kept for it, in order
        h.io.to("room1").emit("missed", 1);
        h.io.emit("missed", 2);
        h.io.to(socket.id).emit("missed", 3);
        h.io.to(["room2", "room1"]).emit("missed", { four: Buffer.from([4]) });
        h.io.to("room-of-others").emit("not-for-you");
        h.io.except("room2").emit("not-for-you");
      });
      const reconnection = once<[ServerSocket]>(h.io, "connection");
      socket.conn.close();
      const [restored] = await reconnection;
      await once(client, "connect");
      await h.upgradedIfNeeded(client, restored);

      assert.equal(restored.recovered, true);
      assert.equal(client.recovered, true);
      assert.equal(restored.id, socket.id);
      assert.equal(client.id, socket.id);
      assert.deepEqual(new Set(restored.rooms), new Set([socket.id, "room1", "room2"]));
      assert.deepEqual(restored.data, { user: "ada" });
      assert.equal(middlewareRuns, 1, "skipMiddlewares: middlewares do not run again on recovery");

      const sentinel = once(client, "sentinel");
      restored.emit("sentinel");
      await sentinel;
      const replayed = missed.stop().map(([value]) => value);
      assert.equal(replayed.length, 4);
      assert.deepEqual(replayed.slice(0, 3), [1, 2, 3]);
      assert.deepEqual([...new Uint8Array((replayed[3] as { four: ArrayBufferLike | Uint8Array }).four as ArrayBuffer)], [4]);
      assert.deepEqual(other.stop(), []);
    });
  }

  it("with skipMiddlewares: false, middlewares run again but the session is still recovered", async () => {
    h = await Harness.start(recoveryOptions({ skipMiddlewares: false }), "websocket");
    let middlewareRuns = 0;
    h.io.use((_socket, next) => {
      middlewareRuns++;
      next();
    });
    const { client, socket } = await h.connect("/", RECONNECTING);
    await receiveOne(client, socket);
    const reconnection = once<[ServerSocket]>(h.io, "connection");
    socket.conn.close();
    const [restored] = await reconnection;
    assert.equal(restored.recovered, true);
    assert.equal(restored.id, socket.id);
    assert.equal(middlewareRuns, 2);
  });

  it("an expired session starts fresh: new id, no rooms, recovered false", async () => {
    h = await Harness.start(recoveryOptions({ maxDisconnectionDuration: 100 }), "websocket");
    const { client, socket } = await h.connect("/");
    socket.join("room1");
    await receiveOne(client, socket);
    const disconnected = once(client, "disconnect");
    socket.conn.close();
    await disconnected;
    await sleep(300); // longer than maxDisconnectionDuration
    const reconnection = once<[ServerSocket]>(h.io, "connection");
    client.connect();
    await connected(client);
    const [fresh] = await reconnection;
    assert.equal(fresh.recovered, false);
    assert.equal(client.recovered, false);
    assert.notEqual(fresh.id, socket.id);
    assert.deepEqual([...fresh.rooms], [fresh.id]);
  });

  it("a client-initiated disconnection is not recoverable", async () => {
    h = await Harness.start(recoveryOptions(), "websocket");
    const { client, socket } = await h.connect("/");
    await receiveOne(client, socket);
    const gone = once(socket, "disconnect");
    client.disconnect();
    await gone;
    const reconnection = once<[ServerSocket]>(h.io, "connection");
    client.connect();
    await connected(client);
    const [fresh] = await reconnection;
    assert.equal(fresh.recovered, false);
    assert.notEqual(fresh.id, socket.id);
  });

  it("packets with an acknowledgement and volatile packets are not replayed", async () => {
    h = await Harness.start(recoveryOptions(), "websocket");
    const { client, socket } = await h.connect("/", RECONNECTING);
    await receiveOne(client, socket);
    const missed = record(client, "missed");
    socket.on("disconnect", () => {
      h.io.volatile.emit("missed", "volatile");
      h.io.timeout(10_000).emit("missed", () => undefined);
      h.io.emit("missed", "kept");
    });
    const reconnection = once<[ServerSocket]>(h.io, "connection");
    socket.conn.close();
    const [restored] = await reconnection;
    assert.equal(restored.recovered, true);
    const sentinel = once(client, "sentinel");
    restored.emit("sentinel");
    await sentinel;
    assert.deepEqual(
      missed.stop().map(([v]) => v),
      ["kept"],
    );
  });
});

describe(`[${IMPL}] connection state recovery: packet offsets`, () => {
  let h: Harness;
  afterEach(() => h.close());

  /** With recovery on, a stored event reaches the client with its offset as one extra, last, string argument. */
  function withOneOffset(args: unknown[], expected: unknown[]): void {
    assert.equal(args.length, expected.length + 1, `one offset appended: ${JSON.stringify(args)}`);
    assert.deepEqual(args.slice(0, -1), expected);
    assert.equal(typeof args[args.length - 1], "string");
  }

  it("socket.emit, broadcasts, parent namespaces and binary events carry exactly one offset; acked ones none", async () => {
    h = await Harness.start(recoveryOptions(), "websocket");
    const parent = h.io.of(/^\/team-\w+$/);
    const main = await h.connect("/");
    const team = await h.connect("/team-a");
    const direct = once(main.client, "direct");
    main.socket.emit("direct", 1, "two");
    withOneOffset(await direct, [1, "two"]);
    const broadcast = once(main.client, "all");
    h.io.emit("all", { x: 1 });
    withOneOffset(await broadcast, [{ x: 1 }]);
    const fromParent = once(team.client, "news");
    parent.emit("news", "for every team");
    withOneOffset(await fromParent, ["for every team"]);
    const binary = once(main.client, "bin");
    h.io.to(main.socket.id).emit("bin", Buffer.from([1, 2]));
    const binArgs = await binary;
    assert.equal(binArgs.length, 2);
    assert.deepEqual([...new Uint8Array(binArgs[0] as ArrayBuffer)], [1, 2]);
    main.client.on("ask", (n: number, ack: (v: number) => void) => ack(n + 1));
    const asked = new Promise<unknown[]>((resolve) => main.client.once("ask", (...args: unknown[]) => resolve(args)));
    assert.equal(await main.socket.timeout(5000).emitWithAck("ask", 1), 2);
    assert.equal((await asked).length, 2, "an event with an ack has no offset: [n, ack]");
    assert.deepEqual(await h.io.timeout(5000).emitWithAck("ask", 10), [11]);
  });

  it("a connection with two namespaces recovers both", async () => {
    h = await Harness.start(recoveryOptions(), "websocket");
    h.io.of("/chat");
    const main = await h.connect("/", RECONNECTING);
    const chatConnection = once<[ServerSocket]>(h.io.of("/chat"), "connection");
    const chatClient = main.client.io.socket("/chat"); // connects by itself (autoConnect)
    await connected(chatClient, "/chat");
    const [chatSocket] = await chatConnection;
    chatSocket.join("room");
    await receiveOne(main.client, main.socket);
    const chatInit = once(chatClient, "init");
    chatSocket.emit("init");
    await chatInit;
    const missed = record(chatClient, "missed");

    chatSocket.on("disconnect", () => h.io.of("/chat").to("room").emit("missed", "chat"));
    const mainBack = once<[ServerSocket]>(h.io, "connection");
    const chatBack = once<[ServerSocket]>(h.io.of("/chat"), "connection");
    main.socket.conn.close();
    const [[restoredMain], [restoredChat]] = await Promise.all([mainBack, chatBack]);
    assert.equal(restoredMain.recovered, true);
    assert.equal(restoredChat.recovered, true);
    assert.equal(restoredChat.id, chatSocket.id);
    assert.equal(restoredChat.rooms.has("room"), true);
    const sentinel = once(chatClient, "sentinel");
    restoredChat.emit("sentinel");
    await sentinel;
    assert.deepEqual(
      missed.stop().map(([value]) => value),
      ["chat"],
    );
    chatClient.disconnect();
  });
});
