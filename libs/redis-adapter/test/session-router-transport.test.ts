/**
 * The Redis session router's node-to-node transport against a real redis-server: request/response, liveness,
 * bounds, hostile input, and relayed WebSocket links (order, close both ways, backpressure). Runs with both client
 * libraries (node-redis publishes on one side, ioredis on the other).
 */
import assert from "node:assert/strict";

import { after, before, describe, it } from "node:test";
import type { Diagnostic } from "@sockline/core/engine";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { redisServerSkipReason, startRedisServer, waitUntil, type RedisServer } from "@sockline/e2e/support";
import { wrapRedisClient, type RedisConnection } from "../dist/redis-client.js";
import { decodeEnvelope, encodeEnvelope, isDecodeFailure, MessageKind } from "../dist/session-router/envelope.js";
import type { RelayLink } from "../dist/session-router/relay-link.js";
import {
  ForwardError,
  RouterTransport,
  type RouterTransportHandlers,
  type RouterTransportOptions,
} from "../dist/session-router/router-transport.js";

const skip = redisServerSkipReason();

const OPTIONS: RouterTransportOptions = {
  channelPrefix: "test-router",
  requestTimeout: 2000,
  maxPendingRequests: 100,
  maxMessageBytes: 64 * 1024,
  maxRelayBufferedBytes: 16 * 1024,
  livenessInterval: 100,
};

const POLL = {
  sid: "B.secret",
  method: "GET" as const,
  url: "/socket.io/?EIO=4&transport=polling&sid=B.secret",
  headers: {},
  remoteAddress: "1.2.3.4",
};

interface Node {
  transport: RouterTransport;
  diagnostics: Diagnostic[];
  connections: RedisConnection[];
  close(): Promise<void>;
}

async function startNode(url: string, nodeId: string, flavour: "node-redis" | "ioredis", options: Partial<RouterTransportOptions> = {}) {
  let publisher: RedisConnection;
  let subscriber: RedisConnection;
  if (flavour === "ioredis") {
    publisher = wrapRedisClient(new Redis(url));
  } else {
    const client = createClient({ url });
    await client.connect();
    publisher = wrapRedisClient(client as any);
  }
  subscriber = await publisher.duplicate();
  const transport = await RouterTransport.start(publisher, subscriber, nodeId, { ...OPTIONS, ...options });
  const node: Node = {
    transport,
    diagnostics: [],
    connections: [publisher, subscriber],
    async close() {
      await transport.close();
      await subscriber.close(true);
      await publisher.close(true);
    },
  };
  transport.report = (diagnostic) => node.diagnostics.push(diagnostic);
  return node;
}

describe("session router transport", { skip }, () => {
  let redis: RedisServer;
  let a: Node; // edge
  let b: Node; // owner
  let raw: RedisConnection; // publishes hostile messages
  const adopted: RelayLink[] = [];
  const served: Array<{ sid: string; abandoned: AbortSignal }> = [];
  /** Polls for this sid are held until abandoned. */
  const HOLD = "B.hold";

  const handlers: RouterTransportHandlers = {
    servePoll(poll, abandoned) {
      served.push({ sid: poll.sid, abandoned });
      if (poll.sid === HOLD)
        return new Promise((resolve) =>
          abandoned.addEventListener("abort", () => resolve({ status: 200, headers: {}, body: Buffer.alloc(0) })),
        );
      if (poll.sid === "B.huge") return Promise.resolve({ status: 200, headers: {}, body: Buffer.alloc(100 * 1024) });
      return Promise.resolve({
        status: 200,
        headers: { "content-type": "text/plain; charset=UTF-8", "x-echo": [poll.method, poll.remoteAddress] },
        body: Buffer.concat([Buffer.from(`${poll.sid}:`), poll.body]),
      });
    },
    adoptLink(upgrade, link) {
      if (upgrade.sid !== "B.ws") return false;
      adopted.push(link);
      return true;
    },
  };

  before(async () => {
    redis = await startRedisServer();
    a = await startNode(redis.url, "A", "node-redis");
    b = await startNode(redis.url, "B", "ioredis");
    b.transport.setHandlers(handlers);
    raw = wrapRedisClient(new Redis(redis.url));
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close(), raw?.close(true)]);
    await redis?.stop();
  });

  it("forwards a poll and returns the owner's answer (status, headers, body)", async () => {
    const answer = await a.transport.forwardPoll("B", { ...POLL, method: "POST" }, Buffer.from("4hello"));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.headers, { "content-type": "text/plain; charset=UTF-8", "x-echo": ["POST", "1.2.3.4"] });
    assert.equal(answer.body.toString(), "B.secret:4hello");
    assert.equal(a.transport.pendingRequests, 0);
  });

  it("fails at once when no node is subscribed for the owner", async () => {
    await assert.rejects(a.transport.forwardPoll("Gone", POLL, Buffer.alloc(0)), (error: ForwardError) => error.reason === "owner-gone");
    assert.equal(a.transport.pendingRequests, 0);
  });

  it("abandons a held poll on both sides when the forwarder gives up", async () => {
    const controller = new AbortController();
    const forwarded = a.transport.forwardPoll("B", { ...POLL, sid: HOLD }, Buffer.alloc(0), controller.signal);
    await waitUntil(() => served.some((entry) => entry.sid === HOLD), "poll held by the owner");
    controller.abort();
    await assert.rejects(forwarded, (error: ForwardError) => error.reason === "abandoned");
    await waitUntil(() => served.find((entry) => entry.sid === HOLD)!.abandoned.aborted, "owner released the held poll");
  });

  it("gives up after requestTimeout when the owner does not answer, and tells the owner", async () => {
    const slow = await startNode(redis.url, "A2", "node-redis", { requestTimeout: 200 });
    try {
      const before = served.length;
      await assert.rejects(
        slow.transport.forwardPoll("B", { ...POLL, sid: HOLD }, Buffer.alloc(0)),
        (error: ForwardError) => error.reason === "timeout",
      );
      await waitUntil(() => served.length > before && served[served.length - 1].abandoned.aborted, "owner released the timed-out poll");
    } finally {
      await slow.close();
    }
  });

  it("bounds the requests waiting for answers", async () => {
    const small = await startNode(redis.url, "A3", "node-redis", { maxPendingRequests: 2 });
    try {
      const held = [1, 2].map(() => small.transport.forwardPoll("B", { ...POLL, sid: HOLD }, Buffer.alloc(0)));
      await assert.rejects(small.transport.forwardPoll("B", POLL, Buffer.alloc(0)), (error: ForwardError) => error.reason === "overloaded");
      assert.equal(small.diagnostics.at(-1)?.name, "maxPendingRequests");
      const closed = held.map((request) => assert.rejects(request, (error: ForwardError) => error.reason === "closed"));
      await small.close();
      await Promise.all(closed);
    } finally {
      await small.close();
    }
  });

  it("refuses to publish a request over maxMessageBytes, and the owner refuses an answer over it", async () => {
    await assert.rejects(
      a.transport.forwardPoll("B", { ...POLL, method: "POST" }, Buffer.alloc(70 * 1024)),
      (error: ForwardError) => error.reason === "too-large",
    );
    await assert.rejects(
      a.transport.forwardPoll("B", { ...POLL, sid: "B.huge" }, Buffer.alloc(0)),
      (error: ForwardError) => error.reason === "refused",
    );
    assert.ok(b.diagnostics.some((d) => d.name === "maxMessageBytes" && d.sid === "B.huge"));
  });

  it("fails pending requests and links at once when the owner's subscription goes away", async () => {
    const doomed = await startNode(redis.url, "C", "ioredis");
    doomed.transport.setHandlers({
      servePoll: () => new Promise(() => {}),
      adoptLink: () => true,
    });
    const link = await a.transport.openLink("C", { sid: "C.ws", url: "/", headers: {}, remoteAddress: "1.2.3.4" });
    const linkClosed = new Promise<void>((resolve) => link.onClose(resolve));
    const forwarded = a.transport.forwardPoll("C", { ...POLL, sid: "C.x" }, Buffer.alloc(0));
    await waitUntil(() => a.transport.pendingRequests === 1, "request pending");
    // like a crash: the connections drop without any goodbye message
    await doomed.connections[1].close(true);
    await assert.rejects(forwarded, (error: ForwardError) => error.reason === "owner-gone");
    await linkClosed;
    await doomed.transport.close();
    await doomed.connections[0].close(true);
  });

  it("drops hostile or corrupted messages with a diagnostic and keeps serving", async () => {
    const before = b.diagnostics.length;
    const hostile: Array<Buffer | string> = [
      "not an envelope",
      Buffer.from([1]),
      Buffer.from([9, 1, 1, 65]),
      encodeEnvelope(MessageKind.Poll, "A", 1, 0, { sid: 5 }),
      encodeEnvelope(MessageKind.Poll, "A", 1, 0, { ...POLL, headers: { a: ["x"] } }),
      encodeEnvelope(MessageKind.Poll, "A", 1, 0, POLL, Buffer.from("GET with a body")),
      encodeEnvelope(MessageKind.Poll, "A", 1, 0, { ...POLL, method: "DELETE" }),
      encodeEnvelope(MessageKind.Answer, "A", 1, 0, { status: 99, headers: {} }),
      encodeEnvelope(MessageKind.Open, "A", 1, 0, "string"),
      encodeEnvelope(MessageKind.CloseToOwner, "A", 1, 0, undefined, Buffer.from("x")),
      encodeEnvelope(MessageKind.Poll, "bad id!", 1, 0, POLL),
      Buffer.concat([encodeEnvelope(MessageKind.Poll, "A", 1, 0, undefined), Buffer.from("{")]),
      Buffer.alloc(65 * 1024, 1),
    ];
    // header length field lying about the size
    const lying = encodeEnvelope(MessageKind.Poll, "A", 1, 0, POLL);
    lying.writeUInt32BE(0xffffffff, 3 + 1 + 8);
    hostile.push(lying);
    for (const message of hostile) await raw.publish("test-router#B", message);
    await waitUntil(() => b.diagnostics.length - before === hostile.length, "one diagnostic per hostile message");
    const reported = b.diagnostics.slice(before);
    assert.equal(reported.filter((d) => d.name === "maxMessageBytes" && d.action === "message dropped").length, 1);
    assert.equal(reported.filter((d) => d.name === "invalid-router-message" && d.kind === "violation").length, hostile.length - 1);
    // still serving
    const answer = await a.transport.forwardPoll("B", POLL, Buffer.alloc(0));
    assert.equal(answer.status, 200);
  });

  it("ignores answers from another node than the one asked", async () => {
    const controller = new AbortController();
    const forwarded = a.transport.forwardPoll("B", { ...POLL, sid: HOLD }, Buffer.alloc(0), controller.signal);
    await waitUntil(() => a.transport.pendingRequests === 1, "pending");
    // a forged answer for every plausible id, from a node that was not asked
    for (let id = 1; id < 200; id++)
      await raw.publish("test-router#A", encodeEnvelope(MessageKind.Answer, "Z", id, 0, { status: 200, headers: {} }));
    assert.equal(a.transport.pendingRequests, 1);
    controller.abort();
    await assert.rejects(forwarded);
  });

  it("decodes what it encodes", () => {
    const message = encodeEnvelope(MessageKind.FrameToOwnerBinary, "node_1-x", 42, 7, undefined, Buffer.from([0, 1, 2]));
    const envelope = decodeEnvelope(message);
    assert.ok(!isDecodeFailure(envelope));
    assert.deepEqual(
      { ...envelope, body: [...envelope.body] },
      { kind: 6, from: "node_1-x", id: 42, seq: 7, head: undefined, body: [0, 1, 2] },
    );
  });

  describe("relayed WebSocket links", () => {
    const upgrade = {
      sid: "B.ws",
      url: "/socket.io/?EIO=4&transport=websocket&sid=B.ws",
      headers: { host: "x" },
      remoteAddress: "1.2.3.4",
    };

    it("refuses a link for a session the owner does not adopt", async () => {
      await assert.rejects(a.transport.openLink("B", { ...upgrade, sid: "B.other" }), (error: ForwardError) => error.reason === "refused");
      assert.equal(a.transport.openLinks, 0);
    });

    it("carries frames in order both ways, text and binary", async () => {
      const edge = await a.transport.openLink("B", upgrade);
      const owner = adopted.at(-1)!;
      assert.equal(owner.sid, "B.ws");
      const atOwner: Array<string | Buffer> = [];
      const atEdge: Array<string | Buffer> = [];
      owner.onFrame((frame) => atOwner.push(frame));
      edge.onFrame((frame) => atEdge.push(frame));
      for (let i = 0; i < 200; i++) {
        edge.send(i % 2 ? `to-owner ${i}` : Buffer.from([i]));
        owner.send(i % 2 ? `to-edge ${i}` : Buffer.from([i, i]));
      }
      await waitUntil(() => atOwner.length === 200 && atEdge.length === 200, "all frames");
      for (let i = 0; i < 200; i++) {
        assert.deepEqual(atOwner[i], i % 2 ? `to-owner ${i}` : Buffer.from([i]));
        assert.deepEqual(atEdge[i], i % 2 ? `to-edge ${i}` : Buffer.from([i, i]));
      }
      const closedAtOwner = new Promise<void>((resolve) => owner.onClose(resolve));
      edge.close();
      await closedAtOwner;
      assert.ok(owner.closed);
      await waitUntil(() => a.transport.openLinks === 0 && b.transport.openLinks === 0, "links forgotten");
    });

    it("propagates a close from the owner to the edge", async () => {
      const edge = await a.transport.openLink("B", upgrade);
      const closed = new Promise<void>((resolve) => edge.onClose(resolve));
      adopted.at(-1)!.close();
      await closed;
      await waitUntil(() => a.transport.openLinks === 0 && b.transport.openLinks === 0, "links forgotten");
    });

    it("closes a link whose frames pile up past maxRelayBufferedBytes", async () => {
      const edge = await a.transport.openLink("B", upgrade);
      const owner = adopted.at(-1)!;
      const closedAtOwner = new Promise<void>((resolve) => owner.onClose(resolve));
      // published synchronously: none of the PUBLISH replies can be in yet
      for (let i = 0; i < 4; i++) edge.send(Buffer.alloc(6 * 1024));
      assert.ok(edge.closed);
      assert.equal(a.diagnostics.at(-1)?.name, "maxRelayBufferedBytes");
      await closedAtOwner;
    });

    it("closes a link on a gap in the frame sequence (frames lost)", async () => {
      const edge = await a.transport.openLink("B", upgrade);
      const owner = adopted.at(-1)!;
      owner.onFrame(() => {});
      const closedAtEdge = new Promise<void>((resolve) => edge.onClose(resolve));
      await raw.publish("test-router#B", encodeEnvelope(MessageKind.FrameToOwnerText, "A", edge.id, 5, undefined, "skipped ahead"));
      await closedAtEdge;
      assert.equal(b.diagnostics.at(-1)?.name, "relay-out-of-order");
    });

    it("ends the owner's links when the edge closes its router", async () => {
      const edgeNode = await startNode(redis.url, "E", "node-redis");
      await edgeNode.transport.openLink("B", upgrade);
      const owner = adopted.at(-1)!;
      const closed = new Promise<void>((resolve) => owner.onClose(resolve));
      await edgeNode.close();
      await closed;
    });
  });
});
