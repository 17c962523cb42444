// Engine.IO 3 and Socket.IO protocol 4 behind `allowEIO3`: what socket.io-client 2.x (and the other
// clients of that era) meet on the wire, checked with the real 2.x client and by hand, against both
// implementations. Protocol 4 clients on the same server are unaffected.
import { describe, it, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import type { Socket as ServerSocket } from "socket.io";
import { IMPL, loadServerClass, startServer, type IoServer, type StartedServer } from "./helpers/impl.js";
import {
  LEGACY_MODES,
  LegacyClients,
  LegacyPollingSession,
  legacyConnected,
  legacyEvent,
  parseV3BinaryPayload,
  parseV3Payload,
  rawRequest,
  unwrapJsonp,
  v3BinaryPayload,
  v3Payload,
  type LegacySocket,
} from "./helpers/legacy.js";
import { shortenReferenceCloseWait } from "./helpers/polling.js";
import { closeClients, connectClient, once, waitUntil, withTimeout, type ClientSocket } from "@sockline/e2e/support";

/** engine.io's types keep a session's `id` private; the docs and applications read it, and `protocol`. */
function engineConn(socket: ServerSocket): { protocol: number; id: string } {
  return socket.conn as unknown as { protocol: number; id: string };
}

/** The server socket of the next connection to `nsp`. */
function nextConnection(io: IoServer, nsp = "/"): Promise<ServerSocket> {
  return once<[ServerSocket]>(io.of(nsp), "connection", { what: `a connection on ${nsp}` }).then(([socket]) => socket);
}

/** A websocket's text and binary messages, in order. */
function recordFrames(ws: WebSocket): (string | Buffer)[] {
  const frames: (string | Buffer)[] = [];
  ws.on("message", (data: Buffer, isBinary: boolean) => frames.push(isBinary ? Buffer.from(data) : data.toString()));
  return frames;
}

describe(`[${IMPL}] allowEIO3: false (the default) refuses protocol 3 clients`, () => {
  let server: StartedServer;
  before(async () => {
    server = await startServer({});
  });
  after(() => server.close());

  it("EIO=3 and a missing EIO get 400 code 5 over polling; no session opens over websocket", async () => {
    for (const query of ["EIO=3&transport=polling", "transport=polling"]) {
      const answer = await rawRequest(`${server.url}/socket.io/?${query}`);
      assert.equal(answer.status, 400, query);
      assert.deepEqual(JSON.parse(answer.body.toString()), { code: 5, message: "Unsupported protocol version" });
    }
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    const frames = recordFrames(ws);
    ws.on("error", () => {});
    // Sockline refuses the upgrade (400); the reference completes it and writes its 400 on the socket
    await once(ws, "close", { what: "the EIO=3 websocket to end" });
    assert.equal(
      frames.some((f) => typeof f === "string" && f.startsWith("0")),
      false,
    );
    assert.equal(server.io.engine.clientsCount, 0);
  });
});

describe(`[${IMPL}] Engine.IO 3 on the wire (allowEIO3: true)`, () => {
  let server: StartedServer;
  beforeEach(async () => {
    server = await startServer({ allowEIO3: true });
  });
  afterEach(() => server.close());

  it("the polling handshake: a length-prefixed open packet, then the CONNECT of / without payload (40)", async () => {
    const serverSide = nextConnection(server.io);
    const session = await LegacyPollingSession.open(server.url);
    assert.equal(typeof session.open.sid, "string");
    assert.deepEqual(session.open.upgrades, ["websocket"]);
    assert.equal(session.open.pingInterval, 25000);
    assert.equal(session.open.pingTimeout, 20000);
    const socket = await serverSide;
    assert.equal(engineConn(socket).protocol, 3);
    const packets = await session.pollUntil((p) => p.startsWith("4"));
    assert.deepEqual(
      packets.filter((p) => p.startsWith("4")),
      ["40"],
      "the implicit CONNECT of /, no sid payload",
    );
    // the socket id is the engine id (socket.io-client 2.x derives its own id from it)
    assert.equal(socket.id, session.sid);
  });

  it("payload framing and the client's ping: several packets in one POST, 2 answered by 3", async () => {
    const serverSide = nextConnection(server.io);
    const session = await LegacyPollingSession.open(server.url);
    const socket = await serverSide;
    const heard: unknown[] = [];
    socket.on("hello", (...args: unknown[]) => heard.push(args));
    await session.pollUntil((p) => p === "40");
    const posted = await session.post(v3Payload("2", '42["hello","a"]', '42["hello","é€😀"]'));
    assert.equal(posted.status, 200);
    assert.equal(posted.body.toString(), "ok");
    assert.deepEqual(await session.pollUntil((p) => p === "3"), ["3"]);
    await waitUntil(() => heard.length === 2, "both events of the POST");
    assert.deepEqual(heard, [["a"], ["é€😀"]]);
    // text sent back is framed by its length in UTF-16 code units
    socket.emit("echo", "é€😀");
    const [event] = await session.pollUntil((p) => p.startsWith("42"));
    assert.equal(event, '42["echo","é€😀"]');
  });

  it("binary over polling: b4 + base64 for a b64 client, a binary payload (XHR2) otherwise, both ways", async () => {
    // a client that asked for base64
    let serverSide = nextConnection(server.io);
    const b64 = await LegacyPollingSession.open(server.url, "&b64=1");
    let socket = await serverSide;
    await b64.pollUntil((p) => p === "40");
    socket.emit("bin", Buffer.from([1, 2, 3]));
    const answer = await b64.poll();
    assert.match(answer.contentType, /^text\/plain/);
    assert.deepEqual(parseV3Payload(answer.body.toString()), ['451-["bin",{"_placeholder":true,"num":0}]', "b4AQID"]);
    let upload = once<[Buffer]>(socket, "up", { what: "the binary event of the b64 client" });
    await b64.post(v3Payload('451-["up",{"_placeholder":true,"num":0}]', "b4BwgJ"));
    assert.deepEqual([...(await upload)[0]], [7, 8, 9]);

    // an XHR2 client (no b64): binary payloads
    serverSide = nextConnection(server.io);
    const xhr2 = await LegacyPollingSession.open(server.url, "");
    socket = await serverSide;
    await xhr2.pollUntil((p) => p === "40");
    socket.emit("bin", Buffer.from([1, 2, 3]));
    const binary = await xhr2.poll();
    assert.equal(binary.contentType, "application/octet-stream");
    assert.deepEqual(parseV3BinaryPayload(binary.body), ['451-["bin",{"_placeholder":true,"num":0}]', Buffer.from([4, 1, 2, 3])]);
    upload = once<[Buffer]>(socket, "up", { what: "the binary event of the XHR2 client" });
    const posted = await xhr2.post(v3BinaryPayload('451-["up",{"_placeholder":true,"num":0}]', Buffer.from([4, 7, 8, 9])));
    assert.equal(posted.status, 200);
    assert.deepEqual([...(await upload)[0]], [7, 8, 9]);
  });

  it("JSONP polling (j): answers are scripts calling the client's callback, POSTs are forms with escaped newlines", async () => {
    const serverSide = nextConnection(server.io);
    const base = `${server.url}/socket.io/?EIO=3&transport=polling&j=7&b64=1`;
    /** The packets of a JSONP answer (the payload passed to `___eio[7]`). */
    const payloadOf = (script: string): string[] => {
      assert.match(script, /^___eio\[7\]\(".*"\);$/s);
      return parseV3Payload(unwrapJsonp(script));
    };
    const handshake = await rawRequest(base);
    assert.equal(handshake.status, 200);
    const [open] = payloadOf(handshake.body.toString());
    const sid = (JSON.parse(open!.slice(1)) as { sid: string }).sid;
    const socket = await serverSide;
    const url = `${base}&sid=${sid}`;
    const hello = once<[string]>(socket, "hello", { what: "the event of the JSONP form" });
    // what the client does before submitting: an escaped newline (JSON's \n) doubles its backslash, a newline becomes \n
    const escapeForForm = (payload: string) => payload.replace(/\\n/g, "\\\n").replace(/\n/g, "\\n");
    const form = new URLSearchParams({ d: escapeForForm(v3Payload("2", '42["hello","line 1\\nline 2"]')) }).toString();
    const posted = await rawRequest(url, "POST", form, "application/x-www-form-urlencoded");
    assert.equal(posted.status, 200);
    assert.deepEqual(await hello, ["line 1\nline 2"]);
    const packets: string[] = [];
    while (!packets.includes("3")) {
      const answer = await withTimeout(rawRequest(url), "a JSONP poll");
      packets.push(...payloadOf(answer.body.toString()));
    }
    assert.deepEqual(packets, ["40", "3"]);
  });

  it("websocket: text packets as in protocol 4, binary frames start with the packet type byte", async () => {
    const serverSide = nextConnection(server.io);
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    const frames = recordFrames(ws);
    try {
      const socket = await serverSide;
      await waitUntil(() => frames.includes("40"), "the CONNECT of /");
      const open = frames[0] as string;
      assert.ok(open.startsWith("0{"));
      assert.deepEqual((JSON.parse(open.slice(1)) as { upgrades: string[] }).upgrades, []);
      ws.send("2");
      await waitUntil(() => frames.includes("3"), "the pong");
      socket.emit("bin", Buffer.from([1, 2, 3]));
      await waitUntil(() => frames.some((f) => Buffer.isBuffer(f)), "the binary frame");
      assert.deepEqual(frames.slice(-2), ['451-["bin",{"_placeholder":true,"num":0}]', Buffer.from([4, 1, 2, 3])]);
      const upload = once<[Buffer]>(socket, "up", { what: "the binary event" });
      ws.send('451-["up",{"_placeholder":true,"num":0}]');
      ws.send(Buffer.from([4, 7, 8, 9]));
      assert.deepEqual([...(await upload)[0]], [7, 8, 9]);
    } finally {
      ws.terminate();
    }
  });

  it("websocket with b64: binary goes both ways as b4 + base64 text frames", async () => {
    const serverSide = nextConnection(server.io);
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket&b64=1`);
    const frames = recordFrames(ws);
    try {
      const socket = await serverSide;
      await waitUntil(() => frames.includes("40"), "the CONNECT of /");
      socket.emit("bin", Buffer.from([1, 2, 3]));
      await waitUntil(() => frames.includes("b4AQID"), "the base64 attachment");
      assert.deepEqual(frames.slice(-2), ['451-["bin",{"_placeholder":true,"num":0}]', "b4AQID"]);
      const upload = once<[Buffer]>(socket, "up", { what: "the binary event" });
      ws.send('451-["up",{"_placeholder":true,"num":0}]');
      ws.send("b4BwgJ");
      assert.deepEqual([...(await upload)[0]], [7, 8, 9]);
    } finally {
      ws.terminate();
    }
  });

  it("a client that stops pinging is closed with ping timeout (pingInterval + pingTimeout after its last ping)", async () => {
    await server.close();
    server = await startServer({ allowEIO3: true, pingInterval: 150, pingTimeout: 100 });
    const serverSide = nextConnection(server.io);
    const session = await LegacyPollingSession.open(server.url);
    const socket = await serverSide;
    shortenReferenceCloseWait(socket.conn);
    const heartbeats: unknown[] = [];
    socket.conn.on("heartbeat", () => heartbeats.push(1));
    const closed = once<[string]>(socket.conn, "close", { what: "the ping timeout" });
    await session.post(v3Payload("2"));
    await session.pollUntil((p) => p === "3");
    const [reason] = await closed;
    assert.equal(reason, "ping timeout");
    assert.equal(heartbeats.length, 1);
  });
});

describe(`[${IMPL}] socket.io-client 2.x (allowEIO3: true)`, () => {
  let server: StartedServer;
  let legacy: LegacyClients;
  const modern: ClientSocket[] = [];
  beforeEach(async () => {
    server = await startServer({ allowEIO3: true });
    legacy = new LegacyClients();
  });
  afterEach(async () => {
    legacy.closeAll();
    closeClients(modern.splice(0));
    await server.close();
  });

  /** A connected 2.x client and its server socket (in "upgrade" mode, once both ends run over websocket). */
  async function connectLegacy(mode: (typeof LEGACY_MODES)[number], nsp = "/"): Promise<{ client: LegacySocket; socket: ServerSocket }> {
    const serverSide = nextConnection(server.io);
    const client = legacy.open(server.url + nsp, mode);
    await legacyConnected(client);
    const socket = await serverSide;
    if (mode === "upgrade") {
      await waitUntil(
        () => client.io.engine.transport.name === "websocket" && socket.conn.transport.name === "websocket",
        "the 2.x client to upgrade",
      );
    }
    return { client, socket };
  }

  for (const mode of LEGACY_MODES) {
    it(`${mode}: emit with ack both ways, binary both ways, the same socket id on both ends`, async () => {
      const { client, socket } = await connectLegacy(mode);
      assert.equal(engineConn(socket).protocol, 3);
      assert.equal(socket.conn.transport.name, mode === "polling" ? "polling" : "websocket");
      assert.equal(socket.id, client.id);
      assert.equal(socket.id, engineConn(socket).id);

      socket.on("to-server", (text: string, data: Buffer, ack: (...args: unknown[]) => void) =>
        ack(`${text}!`, Buffer.concat([data, Buffer.from([0])])),
      );
      const fromServer = await withTimeout(
        new Promise<unknown[]>((resolve) => client.emit("to-server", "hi", Buffer.from([1, 2]), (...args: unknown[]) => resolve(args))),
        "the server's ack",
      );
      assert.equal(fromServer[0], "hi!");
      assert.deepEqual([...(fromServer[1] as Buffer)], [1, 2, 0]);

      client.on("to-client", (data: Buffer, ack: (...args: unknown[]) => void) => ack({ length: data.length }, Buffer.from([9])));
      const fromClient = await withTimeout(
        new Promise<unknown[]>((resolve) => socket.emit("to-client", Buffer.from([1, 2, 3]), (...args: unknown[]) => resolve(args))),
        "the client's ack",
      );
      assert.deepEqual(fromClient[0], { length: 3 });
      assert.deepEqual([...(fromClient[1] as Buffer)], [9]);
    });
  }

  it("a custom namespace: the query of its CONNECT is handshake.auth, a middleware's refusal is the client's error event", async () => {
    server.io.of("/admin").use((socket, next) => {
      const token = socket.handshake.auth.token;
      if (token === "good") return next();
      if (token === "data") return next(Object.assign(new Error("refused with data"), { data: { code: 42 } }));
      next(new Error("not authorized"));
    });
    // each with its own connection: a 2.x Manager keeps one socket per namespace, whatever its query
    const refused = legacy.open(`${server.url}/admin?token=bad`, "websocket");
    assert.deepEqual(await legacyEvent(refused, "error"), ["not authorized"]);
    const withData = legacy.open(`${server.url}/admin?token=data`, "polling");
    assert.deepEqual(await legacyEvent(withData, "error"), [{ code: 42 }]);
    const unknown = legacy.open(`${server.url}/nowhere`, "websocket");
    assert.deepEqual(await legacyEvent(unknown, "error"), [{ message: "Invalid namespace" }]);

    const serverSide = nextConnection(server.io, "/admin");
    const admin = legacy.open(`${server.url}/admin?token=good&x=1`, "upgrade");
    await legacyConnected(admin);
    const socket = await serverSide;
    assert.deepEqual({ ...socket.handshake.auth }, { token: "good", x: "1" });
    assert.equal(socket.nsp.name, "/admin");
    assert.equal(socket.id, `/admin#${admin.io.engine.id}`);
    assert.equal(admin.id, socket.id);
    // the main namespace was joined without asking, on the same connection
    const main = [...server.io.of("/").sockets.values()].find((s) => s.id === admin.io.engine.id);
    assert.ok(main, "the implicit socket of / on the same connection");
    const reply = legacyEvent(admin, "welcome");
    socket.emit("welcome", socket.nsp.name);
    assert.deepEqual(await reply, ["/admin"]);
  });

  it("rooms and broadcasts mixed with a 4.x client in the same room, both ways", async () => {
    server.io.on("connection", (socket) => {
      socket.on("join", (room: string, ack: () => void) => {
        void socket.join(room);
        ack();
      });
      socket.on("say", (text: string) => socket.to("room").emit("said", text));
    });
    const v2 = legacy.open(server.url, "upgrade");
    await legacyConnected(v2);
    const v4 = await connectClient(server.url, { forceNew: true, reconnection: false });
    modern.push(v4);
    await withTimeout(new Promise<void>((resolve) => v2.emit("join", "room", resolve)), "the 2.x client to join");
    await v4.timeout(5000).emitWithAck("join", "room");

    const ids = (await server.io.in("room").fetchSockets()).map((s) => s.id).sort();
    assert.deepEqual(ids, [v2.id, v4.id].sort());

    const toV2 = legacyEvent(v2, "news");
    const toV4 = once(v4, "news");
    server.io.to("room").emit("news", "hello", Buffer.from([5, 6]));
    for (const args of [await toV2, await toV4]) {
      assert.equal(args[0], "hello");
      assert.deepEqual([...(args[1] as Uint8Array)], [5, 6]);
    }

    const heardByV4 = once(v4, "said");
    v2.emit("say", "from 2.x");
    assert.deepEqual(await heardByV4, ["from 2.x"]);
    const heardByV2 = legacyEvent(v2, "said");
    v4.emit("say", "from 4.x");
    assert.deepEqual(await heardByV2, ["from 4.x"]);
  });

  it("the client's heartbeat keeps the session alive: its pings are answered", async () => {
    await server.close();
    server = await startServer({ allowEIO3: true, pingInterval: 50, pingTimeout: 1000 });
    const { client, socket } = await connectLegacy("websocket");
    const pongs: unknown[] = [];
    client.io.engine.on("pong", () => pongs.push(1));
    let heartbeats = 0;
    socket.conn.on("heartbeat", () => heartbeats++);
    await waitUntil(() => pongs.length >= 3 && heartbeats >= 3, "three pings answered");
    assert.equal(client.connected, true);
    assert.equal(socket.connected, true);
  });

  it("reconnects after a server restart on the same port", async () => {
    const Server = await loadServerClass();
    const port = server.port;
    server.io.on("connection", (socket) => socket.on("which", (ack: (n: number) => void) => ack(1)));
    const client = legacy.open(server.url, "upgrade", { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
    await legacyConnected(client);
    const reconnected = legacyEvent(client, "reconnect", "the 2.x client to reconnect");
    await server.close();

    const httpServer = createServer();
    const io = new Server(httpServer, { allowEIO3: true });
    io.on("connection", (socket) => socket.on("which", (ack: (n: number) => void) => ack(2)));
    await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
    server = {
      ...server,
      io,
      httpServer,
      port: (httpServer.address() as AddressInfo).port,
      close: async () => {
        const done = Promise.resolve(io.close()).catch(() => undefined);
        httpServer.closeAllConnections();
        await done;
      },
    };
    await reconnected;
    const answer = await withTimeout(new Promise<number>((resolve) => client.emit("which", resolve)), "an ack from the new server");
    assert.equal(answer, 2);
  });
});
