/**
 * The official `@socket.io/redis-adapter` runs on our server unchanged (adapter contract check), with a
 * real redis-server on a private unix socket.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { Server } from "@sockline/core";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;

describe("official @socket.io/redis-adapter on two Sockline servers", { skip: !hasRedis && "redis-server not installed" }, () => {
  let dir: string;
  let redis: ChildProcess;
  const nodes: { io: Server; http: HttpServer; url: string; close(): Promise<void> }[] = [];
  let client: ClientSocket;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sockline-redis-"));
    const socketPath = join(dir, "redis.sock");
    redis = spawn("redis-server", ["--port", "0", "--unixsocket", socketPath, "--save", "", "--appendonly", "no"], { stdio: "pipe" });
    await new Promise<void>((resolve) => redis.stdout!.on("data", (d: Buffer) => d.toString().includes("ready to accept") && resolve()));
    for (let i = 0; i < 2; i++) {
      const pub = createClient({ socket: { path: socketPath, tls: false } });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      const http = createServer();
      const io = new Server(http, { adapter: createAdapter(pub, sub) });
      await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
      nodes.push({
        io,
        http,
        url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
        close: async () => {
          await io.close();
          await Promise.all([pub.quit(), sub.quit()]);
        },
      });
    }
    nodes[1]!.io.on("connection", (socket) => {
      socket.join("room");
      socket.data = { node: 1 };
    });
    client = connect(nodes[1]!.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    await new Promise<void>((r) => client.once("connect", () => r()));
    // A round trip through redis proves both nodes are subscribed before the test starts.
    nodes[1]!.io.on("warmup", (cb: (v: string) => void) => cb("ok"));
    assert.deepEqual(await nodes[0]!.io.serverSideEmitWithAck("warmup"), ["ok"]);
  });

  after(async () => {
    client?.disconnect();
    for (const node of nodes) await node.close();
    redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("broadcasts, fetchSockets, broadcast acks and serverSideEmit cross nodes", async () => {
    const news = new Promise((r) => client.once("news", r));
    nodes[0]!.io.to("room").emit("news", "from node 0");
    assert.equal(await news, "from node 0");

    const sockets = await nodes[0]!.io.fetchSockets();
    assert.deepEqual(
      sockets.map((s) => [s.id, s.data]),
      [[client.id, { node: 1 }]],
    );

    client.on("poll", (cb: (v: string) => void) => cb("answer"));
    assert.deepEqual(await nodes[0]!.io.timeout(5000).emitWithAck("poll"), ["answer"]);

    nodes[1]!.io.on("hello", (n: number, cb: (v: string) => void) => cb("node 1 got " + n));
    assert.deepEqual(await nodes[0]!.io.serverSideEmitWithAck("hello", 7), ["node 1 got 7"]);
  });
});
