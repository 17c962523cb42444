import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodePacket, decodePayload, encodePacket, encodePayload, type Packet } from "@sockline/core/engine";

const TEXT_TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"] as const;

// fast-check records have a null prototype: rebuild plain objects so deepStrictEqual compares like with like
const textPacket = fc
  .record({ type: fc.constantFrom(...TEXT_TYPES), data: fc.string({ unit: "grapheme", minLength: 1 }) })
  .map(({ type, data }): Packet => ({ type, data }));
const binaryPacket = fc.uint8Array({ maxLength: 256 }).map((bytes): Packet => ({ type: "message", data: Buffer.from(bytes) }));
const anyPacket = fc.oneof(textPacket, binaryPacket);

describe("engine packet codec", () => {
  it("encodes text packets as type digit + data", () => {
    assert.equal(encodePacket({ type: "message", data: "hello" }), "4hello");
    assert.equal(encodePacket({ type: "ping", data: "probe" }), "2probe");
    assert.equal(encodePacket({ type: "noop" }), "6");
  });

  it("keeps binary data as a Buffer (a binary frame)", () => {
    const data = Buffer.from([1, 2, 3]);
    assert.equal(encodePacket({ type: "message", data }), data);
    assert.deepEqual(decodePacket(data), { type: "message", data });
  });

  it("decodes invalid input as an error packet instead of throwing", () => {
    for (const bad of ["", "9", "x", "bnot-base64!", "b==="]) assert.equal(decodePacket(bad).type, "error", bad);
  });

  it("gives an empty message data for a bare '4'", () => {
    assert.deepEqual(decodePacket("4"), { type: "message", data: "" });
  });

  it("property: decode(encode(text packet)) returns the packet", () => {
    fc.assert(fc.property(textPacket, (packet) => assert.deepEqual(decodePacket(encodePacket(packet)), packet)));
  });

  it("property: decode(encode(binary packet)) returns the packet", () => {
    fc.assert(fc.property(binaryPacket, (packet) => assert.deepEqual(decodePacket(encodePacket(packet)), packet)));
  });
});

describe("engine payload codec", () => {
  it("joins packets with the record separator and binary as b+base64", () => {
    assert.equal(
      encodePayload([{ type: "message", data: "a" }, { type: "message", data: Buffer.from([1, 2]) }, { type: "noop" }]),
      "4a\x1ebAQI=\x1e6",
    );
  });

  it("stops at the first invalid packet", () => {
    const packets = decodePayload("4a\x1e9zz\x1e4b");
    assert.deepEqual(
      packets.map((p) => p.type),
      ["message", "error"],
    );
  });

  it("property: decodePayload(encodePayload(packets)) returns the packets (text and binary)", () => {
    fc.assert(
      fc.property(
        fc
          .array(anyPacket, { minLength: 1, maxLength: 20 })
          .filter((ps) => ps.every((p) => typeof p.data !== "string" || !p.data.includes("\x1e"))),
        (packets) => assert.deepEqual(decodePayload(encodePayload(packets)), packets),
      ),
    );
  });
});
