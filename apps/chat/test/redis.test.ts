import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startChat, type RunningChat } from "@sockline/chat";
import { ack, chatClient, connected, type ChatClient } from "./helpers.js";
import {
  nextEvent,
  redisServerSkipReason,
  startRedisServer,
  startRoundRobinProxy,
  type RedisServer,
  type RoundRobinProxy,
} from "@sockline/e2e/support";

// Two chat nodes on two ports, sharing rooms through a real redis-server (the streams adapter).
const skip = redisServerSkipReason();

describe("two chat nodes sharing a Redis server", () => {
  let redis: RedisServer;
  let nodeA: RunningChat;
  let nodeB: RunningChat;
  const clients: ChatClient[] = [];
  const client = (node: RunningChat, nickname: string) => {
    const c = chatClient(node.url, nickname);
    clients.push(c);
    return connected(c);
  };

  before(async () => {
    if (skip) return;
    redis = await startRedisServer();
    nodeA = await startChat({ framework: "fastify", host: "127.0.0.1", port: 0, redisUrl: redis.url });
    nodeB = await startChat({ framework: "express", host: "127.0.0.1", port: 0, redisUrl: redis.url });
  });
  after(async () => {
    for (const c of clients) c.close();
    await nodeA?.close();
    await nodeB?.close();
    await redis?.stop();
  });

  it("runs both nodes on the Redis adapter, on two ports", { skip }, () => {
    assert.equal(nodeA.adapter, "redis");
    assert.equal(nodeB.adapter, "redis");
    assert.notEqual(nodeA.port, nodeB.port);
  });

  it("shares a room: members, messages, history and private messages across the nodes", { skip }, async () => {
    const ann = await client(nodeA, "ann");
    const bob = await client(nodeB, "bob");
    await ack(ann, "room:join", { room: "shared" });
    const annSeesBob = nextEvent(ann, "presence", { match: (p: any) => p.room === "shared" && p.members.length === 2 });
    const joined = await ack(bob, "room:join", { room: "shared" });
    // The member list is read with fetchSockets across both nodes.
    assert.deepEqual(joined.members, [
      { id: ann.id, nickname: "ann" },
      { id: bob.id, nickname: "bob" },
    ]);
    await annSeesBob;

    const atBob = nextEvent(bob, "message");
    const sent = await ack(ann, "message:send", { room: "shared", text: "from node A" });
    assert.equal((await atBob).id, sent.id);
    const atAnn = nextEvent(ann, "message");
    await ack(bob, "message:send", { room: "shared", text: "from node B" });
    assert.equal((await atAnn).text, "from node B");

    // A newcomer on node B sees the history of messages sent through node A too.
    const cat = await client(nodeB, "cat");
    const history = await ack(cat, "room:join", { room: "shared" });
    assert.deepEqual(
      history.history.map((m: any) => m.text),
      ["from node A", "from node B"],
    );

    const whisper = nextEvent(ann, "private");
    await ack(cat, "private:send", { to: ann.id, text: "across nodes" });
    assert.equal((await whisper).text, "across nodes");

    const rooms = await ack(ann, "rooms:list");
    assert.deepEqual(
      rooms.rooms.find((r: any) => r.name === "shared"),
      { name: "shared", members: 3 },
    );
  });

  it("refuses to start when REDIS_URL points to no server, with the reason", { skip }, async () => {
    const stopped = await startRedisServer();
    await stopped.stop(); // a port where nothing listens any more
    await assert.rejects(
      startChat({ framework: "fastify", host: "127.0.0.1", port: 0, redisUrl: stopped.url }),
      new RegExp(`cannot connect to Redis at ${stopped.url.replace(/[.]/g, "\\.")}: connect ECONNREFUSED`),
    );
  });
});

// The same two nodes behind a balancer without affinity: every request goes to the other node in
// turn, so a long-polling page only works because the Redis session router forwards its requests.
describe("two chat nodes behind a round-robin balancer (no sticky sessions)", () => {
  let redis: RedisServer;
  let nodes: RunningChat[] = [];
  let proxy: RoundRobinProxy;
  const clients: ChatClient[] = [];

  before(async () => {
    if (skip) return;
    redis = await startRedisServer();
    nodes = [
      await startChat({ framework: "fastify", host: "127.0.0.1", port: 0, redisUrl: redis.url }),
      await startChat({ framework: "express", host: "127.0.0.1", port: 0, redisUrl: redis.url }),
    ];
    proxy = await startRoundRobinProxy(nodes.map((node) => node.port));
  });
  after(async () => {
    for (const c of clients) c.close();
    await proxy?.close();
    for (const node of nodes) await node.close();
    await redis?.stop();
  });

  it("chats between a long-polling page and an upgrading page, every request on the next node", { skip }, async () => {
    const dan = await connected(chatClient(proxy.url, "dan", { transports: ["polling"] }));
    const eve = await connected(chatClient(proxy.url, "eve"));
    clients.push(dan, eve);
    await ack(dan, "room:join", { room: "anywhere" });
    await ack(eve, "room:join", { room: "anywhere" });
    for (let i = 0; i < 5; i++) {
      const atEve = nextEvent(eve, "message", { match: (m: any) => m.text === `dan ${i}` });
      await ack(dan, "message:send", { room: "anywhere", text: `dan ${i}` });
      await atEve;
      const atDan = nextEvent(dan, "message", { match: (m: any) => m.text === `eve ${i}` });
      await ack(eve, "message:send", { room: "anywhere", text: `eve ${i}` });
      await atDan;
    }
    // both nodes took requests of the polling page
    for (const node of nodes) assert.ok(proxy.served.get(node.port)!.requests > 2, `node on port ${node.port} served requests`);
    assert.equal(dan.io.engine.transport.name, "polling");
  });
});
