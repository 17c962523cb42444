/**
 * `createRedisSessionRouter` on real Socket.IO servers in this process (node-redis on one node, ioredis on the
 * other) and a real redis-server: its options, polls and upgrades of sessions the other node owns, refusals of
 * unknown or unreachable owners, and the bound on a relayed WebSocket whose client stops reading.
 */
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import { connect as tcpConnect, type AddressInfo, type Socket as NetSocket } from "node:net";
import { after, before, describe, it } from "node:test";
import { Server } from "@sockline/core";
import type { Diagnostic } from "@sockline/core/engine";
import { createRedisSessionRouter, DEFAULT_ROUTER_OPTIONS, type RedisSessionRouter } from "@sockline/redis-adapter";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import {
  http,
  pollingHandshake,
  rawUpgrade,
  redisServerSkipReason,
  startRedisServer,
  startRoundRobinProxy,
  waitUntil,
  withTimeout,
  type RedisServer,
  type RoundRobinProxy,
} from "@sockline/e2e/support";

const skip = redisServerSkipReason();

interface RoutedNode {
  io: Server;
  http: HttpServer;
  router: RedisSessionRouter;
  url: string;
  diagnostics: Diagnostic[];
  close(): Promise<void>;
}

async function startNode(
  redisUrl: string,
  nodeId: string,
  flavour: "node-redis" | "ioredis",
  maxRelayBufferedBytes?: number,
): Promise<RoutedNode> {
  let client: any;
  let closeClient: () => Promise<void>;
  if (flavour === "ioredis") {
    client = new Redis(redisUrl);
    closeClient = async () => client.disconnect();
  } else {
    client = createClient({ url: redisUrl });
    await client.connect();
    closeClient = async () => client.destroy();
  }
  const router = createRedisSessionRouter(client, { nodeId, ...(maxRelayBufferedBytes ? { maxRelayBufferedBytes } : {}) });
  await router.ready;
  const httpServer = createServer();
  const io = new Server(httpServer, { sessionRouter: router, pingInterval: 2000, pingTimeout: 2000 });
  io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (value: unknown) => void) => ack(value));
    socket.on("flood", (count: number, size: number) => {
      for (let i = 0; i < count; i++) socket.emit("chunk", "x".repeat(size));
    });
  });
  const diagnostics: Diagnostic[] = [];
  // the router reports to its own Diagnostics, and to the server's when the engine exposes it to routers
  for (const source of new Set([io.diagnostics, router.diagnostics])) source.on("diagnostic", (d) => diagnostics.push(d));
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  return {
    io,
    http: httpServer,
    router,
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    diagnostics,
    async close() {
      await io.close();
      await router.close();
      await closeClient();
    },
  };
}

/** A raw client upgrading session `sid` on `url`: probe, upgrade, then it stops reading. */
async function stalledUpgrade(url: string, sid: string): Promise<NetSocket> {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  socket.on("error", () => {});
  const frame = (text: string) => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const payload = Buffer.from(text).map((b, i) => b ^ mask[i % 4]!);
    return Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, payload]);
  };
  let received = "";
  await withTimeout(
    new Promise<void>((resolve) => {
      socket.on("data", function onData(chunk: Buffer) {
        received += chunk.toString("latin1");
        if (received.includes(" 101 ") && !received.includes("3probe") && !received.includes("sent-probe")) {
          received += "sent-probe";
          socket.write(frame("2probe"));
        }
        if (received.includes("3probe")) {
          socket.write(frame("5"));
          socket.off("data", onData);
          socket.pause();
          resolve();
        }
      });
      socket.once("connect", () =>
        socket.write(
          `GET /socket.io/?EIO=4&transport=websocket&sid=${sid} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: Upgrade\r\n` +
            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        ),
      );
    }),
    "the relayed upgrade",
  );
  return socket;
}

describe("createRedisSessionRouter", () => {
  it("checks its options", () => {
    const fake = { call() {}, psubscribe() {} } as any;
    assert.throws(() => createRedisSessionRouter(fake, { nodeId: "has.dot" }), /invalid nodeId/);
    assert.throws(() => createRedisSessionRouter(fake, { maxMessageBytes: 0 }), /"maxMessageBytes" option must be a positive number/);
    assert.throws(() => createRedisSessionRouter({} as any), /unsupported Redis client/);
    assert.equal(DEFAULT_ROUTER_OPTIONS.channelPrefix, "sockline-router");
  });
});

describe("Redis session router between two in-process nodes", { skip }, () => {
  let redis: RedisServer;
  let a: RoutedNode;
  let b: RoutedNode;
  let proxy: RoundRobinProxy;
  const clients: ClientSocket[] = [];
  const sockets: NetSocket[] = [];

  before(async () => {
    redis = await startRedisServer();
    a = await startNode(redis.url, "A", "node-redis", 256 * 1024);
    b = await startNode(redis.url, "B", "ioredis");
    proxy = await startRoundRobinProxy([new URL(a.url).port, new URL(b.url).port].map(Number));
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    for (const socket of sockets) socket.destroy();
    await proxy?.close();
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it("names the owner in session ids and serves both transports through a round-robin balancer", async () => {
    assert.equal(a.router.ownerOf(a.router.newSessionId("secret")), "A");
    assert.equal(a.router.ownerOf("no-owner"), undefined);
    for (const transports of [["polling"], ["polling", "websocket"]]) {
      const client = connectClient(proxy.url, { forceNew: true, transports, reconnection: false });
      clients.push(client);
      await withTimeout(new Promise((resolve) => client.once("connect", () => resolve(undefined))), "connect");
      if (transports.length === 2) await waitUntil(() => client.io.engine.transport.name === "websocket", "upgrade");
      for (let i = 0; i < 5; i++) assert.equal(await client.timeout(10_000).emitWithAck("echo", i), i);
    }
    const stats = [a.router.stats(), b.router.stats()];
    assert.ok(stats.some((s) => s.forwardedPolls > 0) && stats.some((s) => s.servedPolls > 0), JSON.stringify(stats));
  });

  it("answers an upgrade of a session its owner does not have with 400, as a local unknown session", async () => {
    const { status } = await rawUpgrade(a.url, "/socket.io/", "&sid=B.unknownsecret0000000");
    assert.equal(status, 400);
  });

  it("refuses a poll and an upgrade for a node nobody runs, at once, with a diagnostic", async () => {
    const answer = await http(`${a.url}/socket.io/?EIO=4&transport=polling&sid=Z.nosuchnode000000000`);
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: 1, message: "Session ID unknown" });
    const before = a.diagnostics.length;
    const { status } = await rawUpgrade(a.url, "/socket.io/", "&sid=Z.nosuchnode000000000");
    assert.equal(status, 400);
    await waitUntil(() => a.diagnostics.slice(before).some((d) => d.name === "forward-failed" && d.kind === "routing"), "diagnostic");
    assert.equal(a.router.stats().failedForwards["owner-gone"], 2);
  });

  it("closes a relayed WebSocket whose client stops reading, past maxRelayBufferedBytes", async () => {
    // a session of B, upgraded through A (which relays), by a client that stops reading once upgraded
    const { open } = await pollingHandshake(b.url);
    const sid = open!.sid;
    assert.ok(sid.startsWith("B."));
    await http(`${b.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "40" });
    await http(`${b.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    const stalled = await stalledUpgrade(a.url, sid);
    sockets.push(stalled);
    await waitUntil(() => b.io.engine.clients[sid]?.transport.name === "websocket", "upgraded on the owner");
    const [socket] = await b.io.fetchSockets();
    assert.ok(socket);
    // 16 MB towards a client that reads nothing, paced so that Redis takes each chunk (a burst would reach the
    // owner's side of the bound first): the kernel buffers fill, then the relaying node's bound closes it
    for (let i = 0; i < 64 && !a.diagnostics.some((d) => d.name === "maxRelayBufferedBytes"); i++) {
      socket.emit("chunk", "x".repeat(256 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => a.diagnostics.some((d) => d.name === "maxRelayBufferedBytes"), "the relay bound reached", 30_000);
    await waitUntil(() => b.io.engine.clients[sid] === undefined, "the session closed on the owner");
  });
});
