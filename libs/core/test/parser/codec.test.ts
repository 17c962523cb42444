import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Decoder, Encoder, PacketType, ParserError, isPacketValid, type Packet } from "@sockline/core/parser";

/** Decodes the frames of one packet with a fresh decoder; returns the packets it emitted. */
function decodeAll(frames: unknown[], decoder = new Decoder()): Packet[] {
  const out: Packet[] = [];
  decoder.on("decoded", (p) => out.push(p));
  for (const frame of frames) decoder.add(frame);
  return out;
}

function rejects(frames: unknown[], pattern: RegExp, opts?: ConstructorParameters<typeof Decoder>[0]): ParserError {
  const decoder = new Decoder(opts);
  let caught: unknown;
  try {
    for (const frame of frames) decoder.add(frame);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ParserError, `expected a ParserError for ${JSON.stringify(frames)}`);
  assert.match((caught as Error).message, pattern);
  return caught as ParserError;
}

const nsp = fc.oneof(fc.constant("/"), fc.stringMatching(/^\/[a-z0-9_-]{1,12}$/));
const ackId = fc.option(fc.nat({ max: 2 ** 31 }), { nil: undefined });
// Normalized through JSON (e.g. -0 travels as 0).
const json = fc
  .jsonValue({ maxDepth: 4 })
  .filter((v) => v !== null)
  .map((v) => JSON.parse(JSON.stringify(v)));
const buffer = fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a));
/** JSON values with buffers mixed in at any depth (the shapes apps emit). */
const withBinary = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.integer(),
    fc.string(),
    fc.boolean(),
    buffer,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 5 }).filter((k) => k !== "__proto__" && k !== "_placeholder"),
      tie("value"),
      { maxKeys: 4, noNullPrototype: true },
    ),
  ),
})).value;
const eventName = fc
  .string({ minLength: 1, maxLength: 10 })
  .filter((s) => !["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"].includes(s));

describe("parser: round trips (property tests)", () => {
  it("EVENT / ACK with JSON data decode to the packet that was encoded", () => {
    fc.assert(
      fc.property(nsp, ackId, eventName, fc.array(json, { maxLength: 5 }), fc.boolean(), (ns, id, name, args, isAck) => {
        const packet: Packet = isAck
          ? { type: PacketType.ACK, nsp: ns, id: id ?? 0, data: args }
          : { type: PacketType.EVENT, nsp: ns, id, data: [name, ...args] };
        const frames = new Encoder().encode(packet);
        assert.equal(frames.length, 1);
        const [decoded] = decodeAll(frames);
        const expected: Packet = { type: packet.type, nsp: ns, data: packet.data };
        if (packet.id !== undefined) expected.id = packet.id;
        assert.deepEqual(decoded, expected);
      }),
    );
  });

  it("binary data anywhere in the arguments is sent as attachments and put back in place", () => {
    fc.assert(
      fc.property(nsp, ackId, eventName, fc.array(withBinary, { maxLength: 4 }), buffer, (ns, id, name, args, buf) => {
        const data = [name, ...args, { nested: [buf] }];
        const packet: Packet = { type: PacketType.EVENT, nsp: ns, id, data };
        const frames = new Encoder().encode(packet);
        assert.ok(frames.length >= 2, "a binary packet has at least one attachment");
        assert.match(frames[0] as string, /^5\d+-/);
        const [decoded] = decodeAll(frames, new Decoder({ maxAttachments: 10_000 }));
        assert.equal(decoded!.type, PacketType.EVENT);
        assert.deepEqual(decoded!.data, data);
      }),
    );
  });

  it("CONNECT with an auth object and CONNECT_ERROR round trip", () => {
    fc.assert(
      fc.property(nsp, fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 4, noNullPrototype: true }), (ns, auth) => {
        const [connect] = decodeAll(new Encoder().encode({ type: PacketType.CONNECT, nsp: ns, data: auth }));
        assert.deepEqual(connect, { type: PacketType.CONNECT, nsp: ns, data: auth });
        const err = { message: "nope", data: auth };
        const [connectError] = decodeAll(new Encoder().encode({ type: PacketType.CONNECT_ERROR, nsp: ns, data: err }));
        assert.deepEqual(connectError, { type: PacketType.CONNECT_ERROR, nsp: ns, data: err });
      }),
    );
  });

  it("never throws anything but a ParserError on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          decodeAll([text]);
        } catch (err) {
          assert.ok(err instanceof ParserError, String(err));
        }
      }),
    );
  });
});

describe("parser: wire format", () => {
  it("encodes like the reference codec", () => {
    const enc = new Encoder();
    assert.deepEqual(enc.encode({ type: PacketType.EVENT, nsp: "/", data: ["hello", 1] }), ['2["hello",1]']);
    assert.deepEqual(enc.encode({ type: PacketType.EVENT, nsp: "/admin", id: 12, data: ["a"] }), ['2/admin,12["a"]']);
    assert.deepEqual(enc.encode({ type: PacketType.CONNECT, nsp: "/", data: { sid: "x" } }), ['0{"sid":"x"}']);
    assert.deepEqual(enc.encode({ type: PacketType.DISCONNECT, nsp: "/chat" }), ["1/chat,"]);
    const frames = enc.encode({ type: PacketType.ACK, nsp: "/", id: 3, data: [Buffer.from([1])] });
    assert.equal(frames[0], '61-3[{"_placeholder":true,"num":0}]');
    assert.deepEqual(frames[1], Buffer.from([1]));
  });

  it("decodes a namespace CONNECT without payload and a DISCONNECT", () => {
    assert.deepEqual(decodeAll(["0/admin,"]), [{ type: PacketType.CONNECT, nsp: "/admin" }]);
    assert.deepEqual(decodeAll(["0/admin"]), [{ type: PacketType.CONNECT, nsp: "/admin" }]);
    assert.deepEqual(decodeAll(["1"]), [{ type: PacketType.DISCONNECT, nsp: "/" }]);
  });

  it("waits for every attachment before emitting a binary packet", () => {
    const decoder = new Decoder();
    const out: Packet[] = [];
    decoder.on("decoded", (p) => out.push(p));
    decoder.add('52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    assert.equal(decoder.pendingAttachments, 2);
    decoder.add(Buffer.from([1]));
    assert.equal(out.length, 0);
    decoder.add(new Uint8Array([2]).buffer);
    assert.equal(decoder.pendingAttachments, 0);
    assert.deepEqual(out[0]!.data, ["x", Buffer.from([1]), Buffer.from([2])]);
  });

  it("isPacketValid checks packet objects", () => {
    assert.equal(isPacketValid({ type: PacketType.EVENT, nsp: "/", data: ["a"] }), true);
    assert.equal(isPacketValid({ type: PacketType.EVENT, nsp: "/", data: ["disconnect"] }), false);
    assert.equal(isPacketValid({ type: PacketType.ACK, nsp: "/", id: 1.5, data: [] }), false);
    assert.equal(isPacketValid({ type: PacketType.DISCONNECT, nsp: "/" }), true);
  });
});

describe("parser: strict validation", () => {
  it("rejects an unknown packet type", () => {
    rejects(["9[]"], /unknown packet type/);
  });
  it("rejects invalid JSON", () => {
    rejects(['2["a",'], /invalid JSON/);
  });
  it("rejects a non-array event payload", () => {
    rejects(['2{"a":1}'], /non-empty array/);
  });
  it("rejects an empty event payload", () => {
    rejects(["2[]"], /non-empty array/);
  });
  it("rejects a non-string event name", () => {
    rejects(['2[{"a":1}]'], /event name/);
  });
  it("rejects reserved event names from the client", () => {
    for (const name of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
      rejects([`2["${name}"]`], /reserved event name/);
    }
  });
  it("rejects an ack id that cannot be a safe integer", () => {
    rejects(['21234567890123456789["a"]'], /ack id/);
  });
  it("rejects a bad namespace (no payload separator)", () => {
    rejects(['2admin,["a"]'], /invalid JSON/);
  });
  it("rejects a CONNECT payload that is not an object", () => {
    rejects(['0"token"'], /CONNECT payload/);
  });
  it("rejects a DISCONNECT with payload", () => {
    rejects(['1{"a":1}'], /DISCONNECT/);
  });
  it("rejects an ACK without array payload", () => {
    rejects(["31"], /missing payload/);
  });
  it("rejects malformed attachment counts", () => {
    // the reference's text ("Illegal attachments")
    rejects(['5-["a"]'], /^Illegal attachments$/);
    rejects(['5a-["a"]'], /^Illegal attachments$/);
    rejects(['50-["a"]'], /^Illegal attachments$/);
    rejects(['51["a"]'], /^Illegal attachments$/);
  });
  it("rejects too many attachments (bounded by default) and names the limit", () => {
    const err = rejects(['511-["a"]'], /too many attachments/);
    assert.equal(err.limit, "maxAttachments");
    assert.equal(err.packetTypeName, "BINARY_EVENT");
    rejects(['53-["a"]'], /too many attachments/, { maxAttachments: 2 });
  });
  it("rejects a placeholder index outside the attachments", () => {
    rejects(['51-["a",{"_placeholder":true,"num":5}]', Buffer.from([1])], /placeholder/);
  });
  it("rejects text while attachments are pending, and binary nobody announced", () => {
    rejects(['51-["a",{"_placeholder":true,"num":0}]', '2["b"]'], /waiting for binary/);
    rejects([Buffer.from([1])], /no packet announced/);
  });
  it("rejects payloads nested deeper than maxDepth instead of letting a RangeError escape later", () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const err = rejects([`2["a",${deep}]`], /nesting deeper than maxDepth 100/);
    assert.equal(err.limit, "maxDepth");
    // Brackets inside strings do not count.
    assert.equal(decodeAll([`2["a","${"[".repeat(500)}"]`]).length, 1);
    // The limit is configurable.
    assert.equal(decodeAll([`2["a",${"[".repeat(150)}${"]".repeat(150)}]`], new Decoder({ maxDepth: 200 })).length, 1);
  });
  it("destroy() drops a half-received binary packet", () => {
    const decoder = new Decoder();
    decoder.add('51-["a",{"_placeholder":true,"num":0}]');
    decoder.destroy();
    assert.equal(decoder.pendingAttachments, 0);
    assert.equal(decodeAll(['2["b"]'], decoder).length, 1);
  });
});
