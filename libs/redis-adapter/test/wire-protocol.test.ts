/**
 * The wire format, checked against the REAL official packages on a real redis-server: what `@socket.io/redis-emitter`
 * and an official `socket.io` node with `@socket.io/redis-adapter` publish must be what our protocol module expects,
 * and the requests we publish must be answered by the official node.
 */
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { createAdapter as createOfficialAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import * as msgpack from "notepack.io";
import { createClient } from "redis";
import { Server as OfficialServer } from "socket.io";
import { ClassicChannels, RequestType } from "@sockline/redis-adapter";
import { decodeRequestPayload, msgpackParser } from "../dist/codec.js";
import { countSubscribers, wrapRedisClient, type RedisConnection } from "../dist/redis-client.js";
import {
  connectClient,
  listen,
  redisServerSkipReason,
  startRedisServer,
  waitUntil,
  type ClientSocket,
  type RedisServer,
} from "@sockline/e2e/support";

const skip = redisServerSkipReason();

interface Received {
  channel: string;
  message: Buffer;
}

describe("classic protocol against the official packages", { skip }, () => {
  let redis: RedisServer;
  const closers: Array<() => unknown> = [];
  let official: OfficialServer;
  let httpServer: HttpServer;
  let client: ClientSocket;
  const channels = new ClassicChannels("socket.io", "/");

  before(async () => {
    redis = await startRedisServer();
    const pub = createClient({ url: redis.url });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    closers.push(
      () => pub.close(),
      () => sub.close(),
    );
    httpServer = createServer();
    official = new OfficialServer(httpServer, { adapter: createOfficialAdapter(pub, sub) });
    const url = await listen(httpServer);
    official.on("connection", (socket) => {
      socket.data = { user: "alice" };
      socket.join("room-a");
    });
    client = await connectClient(url, { query: { tag: "t1" } });
  });

  after(async () => {
    client?.disconnect();
    await new Promise<void>((resolve) => official?.close(() => resolve()));
    for (const close of closers.reverse()) await close();
    await redis?.stop();
  });

  for (const flavour of ["node-redis", "ioredis"] as const) {
    describe(`through the ${flavour} client layer`, () => {
      let publisher: RedisConnection;
      let subscriber: RedisConnection;
      const broadcasts: Received[] = [];
      const responses: Received[] = [];

      before(async () => {
        if (flavour === "node-redis") {
          const raw = createClient({ url: redis.url });
          raw.on("error", () => {});
          await raw.connect();
          publisher = wrapRedisClient(raw as any);
        } else {
          const raw = new Redis(redis.port, "127.0.0.1");
          raw.on("error", () => {});
          publisher = wrapRedisClient(raw as any);
          await waitUntil(() => publisher.isReady(), "ioredis ready");
        }
        subscriber = await publisher.duplicate();
        await subscriber.psubscribe(`${channels.broadcast}*`, (channel, message) => broadcasts.push({ channel, message }));
        await subscriber.subscribe([channels.response], (channel, message) => responses.push({ channel, message }));
      });

      after(async () => {
        await subscriber?.close();
        await publisher?.close();
      });

      it("counts the official node with PUBSUB NUMSUB on the request channel", async () => {
        assert.equal(await countSubscribers(publisher, channels.request), 1);
      });

      it("decodes what @socket.io/redis-emitter publishes to one room", async () => {
        broadcasts.length = 0;
        const emitter = new Emitter(publisher.client as any);
        emitter.to("room-a").emit("hello", 1, { two: 2 });
        await waitUntil(() => broadcasts.length === 1, "the emitter broadcast");
        const [{ channel, message }] = broadcasts;
        assert.equal(channel, "socket.io#/#room-a#");
        assert.equal(channels.roomOf(channel), "room-a");
        const [uid, packet, opts] = msgpackParser.decode(message) as any[];
        assert.equal(uid, "emitter");
        assert.deepEqual(packet, { type: 2, data: ["hello", 1, { two: 2 }], nsp: "/" });
        assert.deepEqual(opts, { rooms: ["room-a"], flags: {}, except: [] });
      });

      it("decodes what an official node publishes (namespace-wide, binary payload)", async () => {
        broadcasts.length = 0;
        official.except("nobody").emit("bin", Buffer.from([1, 2, 3]));
        await waitUntil(() => broadcasts.length === 1, "the official broadcast");
        const [{ channel, message }] = broadcasts;
        assert.equal(channels.roomOf(channel), "");
        const [uid, packet, opts] = msgpackParser.decode(message) as any[];
        assert.equal(typeof uid, "string");
        assert.notEqual(uid, "emitter");
        assert.equal(packet.nsp, "/");
        assert.equal(packet.data[0], "bin");
        assert.deepEqual(packet.data[1], Buffer.from([1, 2, 3]));
        assert.deepEqual(opts.rooms, []);
        assert.deepEqual(opts.except, ["nobody"]);
      });

      it("gets answers from the official node to ALL_ROOMS and REMOTE_FETCH requests", async () => {
        responses.length = 0;
        await publisher.publish(channels.request, JSON.stringify({ uid: "test-node", requestId: "r1", type: RequestType.ALL_ROOMS }));
        await publisher.publish(
          channels.request,
          JSON.stringify({ uid: "test-node", requestId: "r2", type: RequestType.REMOTE_FETCH, opts: { rooms: ["room-a"], except: [] } }),
        );
        await waitUntil(() => responses.length === 2, "two responses");
        const decoded = responses.map((r) => decodeRequestPayload(r.message, msgpackParser) as any);
        const rooms = decoded.find((r) => r.requestId === "r1");
        assert.ok(rooms.rooms.includes("room-a"));
        assert.ok(rooms.rooms.includes(client.id));
        const fetched = decoded.find((r) => r.requestId === "r2");
        assert.equal(fetched.sockets.length, 1);
        assert.equal(fetched.sockets[0].id, client.id);
        assert.deepEqual(fetched.sockets[0].data, { user: "alice" });
        assert.deepEqual(new Set(fetched.sockets[0].rooms), new Set([client.id, "room-a"]));
        assert.equal(fetched.sockets[0].handshake.query.tag, "t1");
      });

      it("gets client counts (JSON) and acks (msgpack) for a BROADCAST request", async () => {
        responses.length = 0;
        client.once("question", (n: number, reply: (answer: unknown) => void) => reply({ answer: n * 2 }));
        const request = {
          uid: "test-node",
          requestId: "r3",
          type: RequestType.BROADCAST,
          packet: { type: 2, data: ["question", 21], nsp: "/" },
          opts: { rooms: [], except: [], flags: { timeout: 2000 } },
        };
        await publisher.publish(channels.request, Buffer.from(msgpack.encode(request)));
        await waitUntil(() => responses.length === 2, "count and ack");
        assert.equal(responses[0]!.message[0], 0x7b, "client count is JSON");
        assert.notEqual(responses[1]!.message[0], 0x7b, "ack is msgpack");
        const [count, ack] = responses.map((r) => decodeRequestPayload(r.message, msgpackParser) as any);
        assert.deepEqual(count, { type: RequestType.BROADCAST_CLIENT_COUNT, requestId: "r3", clientCount: 1 });
        assert.deepEqual(
          ack,
          { type: RequestType.BROADCAST_ACK, requestId: "r3", packet: { answer: 42 } },
          "only the first ack argument travels",
        );
      });
    });
  }
});
