/** Pure protocol helpers, checked against the reference implementations where they exist. */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { ClassicChannels } from "@sockline/redis-adapter";
import { decodeRequestPayload, msgpackParser } from "../dist/codec.js";
import {
  fromStreamEntry,
  isPersistent,
  MessageType,
  nextStreamId,
  streamNameFor,
  toStreamEntry,
} from "../dist/streams/cluster-protocol.js";

const require = createRequire(import.meta.url);
const referenceUtil = require("@socket.io/redis-streams-adapter/dist/util.js") as { hashCode(text: string): number };

describe("classic channels", () => {
  const channels = new ClassicChannels("app", "/chat");

  it("names the channels like @socket.io/redis-adapter", () => {
    assert.equal(channels.broadcast, "app#/chat#");
    assert.equal(channels.request, "app-request#/chat#");
    assert.equal(channels.response, "app-response#/chat#");
    assert.equal(channels.responseFor("n1"), "app-response#/chat#n1#");
    assert.equal(channels.broadcastChannelFor(new Set(["room"])), "app#/chat#room#");
    assert.equal(channels.broadcastChannelFor(new Set(["a", "b"])), "app#/chat#");
    assert.equal(channels.broadcastChannelFor(new Set()), "app#/chat#");
  });

  it("reads the room back from a channel name, including rooms containing '#'", () => {
    assert.equal(channels.roomOf("app#/chat#"), "");
    assert.equal(channels.roomOf("app#/chat#a#b#"), "a#b");
    assert.equal(channels.roomOf("app#/other#"), null);
  });

  it("tells JSON from msgpack payloads by their first byte", () => {
    assert.deepEqual(decodeRequestPayload(Buffer.from('{"type":1}'), msgpackParser), { type: 1 });
    const packed = msgpackParser.encode({ type: 9, packet: Buffer.from([1]) }) as Buffer;
    assert.deepEqual(decodeRequestPayload(packed, msgpackParser), { type: 9, packet: Buffer.from([1]) });
    assert.throws(() => decodeRequestPayload(Buffer.from("{oops"), msgpackParser));
  });
});

describe("streams protocol", () => {
  it("spreads namespaces over streams with the reference hash", () => {
    for (const nsp of ["/", "/chat", "/a-much-longer-namespace-name", "/é"]) {
      assert.equal(streamNameFor(nsp, "s", 4), `s-${referenceUtil.hashCode(nsp) % 4}`);
    }
    assert.equal(streamNameFor("/chat", "s", 1), "s");
  });

  it("stores JSON, or base64 msgpack when the data holds binary", () => {
    const text = toStreamEntry({ uid: "u", nsp: "/", type: MessageType.BROADCAST, data: { packet: { type: 2, data: ["e", 1] } } }, false);
    assert.deepEqual(text, { uid: "u", nsp: "/", type: "3", data: '{"packet":{"type":2,"data":["e",1]}}' });
    const binary = toStreamEntry(
      { uid: "u", nsp: "/", type: MessageType.BROADCAST, data: { packet: { data: [Buffer.from([7])] } } },
      false,
    );
    assert.ok(!binary.data!.startsWith("{"));
    assert.deepEqual(fromStreamEntry(binary).data, { packet: { data: [Buffer.from([7])] } });
    assert.throws(() => fromStreamEntry({ nsp: "/" }));
  });

  it("keeps only replayable messages in the stream", () => {
    assert.equal(isPersistent({ type: MessageType.BROADCAST, data: {} }), true);
    assert.equal(isPersistent({ type: MessageType.BROADCAST, data: { requestId: "r" } }), false);
    assert.equal(isPersistent({ type: MessageType.SOCKETS_JOIN }), true);
    assert.equal(isPersistent({ type: MessageType.FETCH_SOCKETS }), false);
    assert.equal(isPersistent({ type: MessageType.SERVER_SIDE_EMIT }), false);
  });

  it("computes the next stream id without losing precision", () => {
    assert.equal(nextStreamId("1700000000000-0"), "1700000000000-1");
    assert.equal(nextStreamId("1-9007199254740993"), "1-9007199254740994");
  });
});
