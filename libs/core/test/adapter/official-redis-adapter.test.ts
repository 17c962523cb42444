/**
 * The official `@socket.io/redis-adapter` runs on our server unchanged (adapter contract check), with a
 * real, throwaway redis-server.
 */
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "@sockline/core";
import { connectClient, listen, redisServerSkipReason, startRedisServer, type ClientSocket, type RedisServer } from "@sockline/e2e/support";

describe("official @socket.io/redis-adapter on two Sockline servers", { skip: redisServerSkipReason() }, () => {
  let redis: RedisServer;
  const nodes: { io: Server; http: HttpServer; url: string; close(): Promise<void> }[] = [];
  let client: ClientSocket;

  before(async () => {
    redis = await startRedisServer();
    for (let i = 0; i < 2; i++) {
      const pub = createClient({ url: redis.url });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      const http = createServer();
      const io = new Server(http, { adapter: createAdapter(pub, sub) });
      nodes.push({
        io,
        http,
        url: await listen(http),
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
    client = await connectClient(nodes[1]!.url);
    // A round trip through redis proves both nodes are subscribed before the test starts.
    nodes[1]!.io.on("warmup", (cb: (v: string) => void) => cb("ok"));
    assert.deepEqual(await nodes[0]!.io.serverSideEmitWithAck("warmup"), ["ok"]);
  });

  after(async () => {
    client?.disconnect();
    for (const node of nodes) await node.close();
    await redis?.stop();
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
