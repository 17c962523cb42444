// Property tests of the Engine.IO protocol 3 codec (`allowEIO3`), in the spirit of a fuzz target: what
// the encoders write decodes back to the same packets (text lengths in UTF-16 code units, binary
// payloads with their UTF-8 text packets); any body, from the wire grammar or noise, decodes without
// throwing, either to packets of known types, never more than the limit, or to a refusal with a reason.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeBinaryPayloadV3,
  decodeTextPayloadV3,
  encodeBinaryPayloadV3,
  encodeTextPayloadV3,
  MAX_LENGTH_DIGITS,
  type Packet,
} from "@sockline/core/engine";

const RUNS = { numRuns: 1000 };
const TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"] as const;

/** A packet as the server sends it: a message always has data (text or binary); the others text or none. */
const packet: fc.Arbitrary<Packet> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }).map((data): Packet => ({ type: "message", data })),
  fc.uint8Array({ maxLength: 20 }).map((bytes): Packet => ({ type: "message", data: Buffer.from(bytes) })),
  fc
    .tuple(
      fc.constantFrom(...TYPES.filter((t) => t !== "message")),
      fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: undefined }),
    )
    .map(([type, data]): Packet => (data === undefined ? { type } : { type, data })),
);

/** A packet as it comes out of a decoder: binary data as a plain byte list, to compare with `deepEqual`. */
function comparable(p: Packet): unknown {
  return typeof p.data === "object" ? { type: p.type, bytes: [...(p.data as Uint8Array)] } : p;
}

/** One length-prefixed part: a well-formed packet, or a prefix/packet that is not quite right. */
const textPart = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }).map((p) => `${p.length}:${p}`) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(30), fc.string({ maxLength: 12 })).map(([n, p]) => `${n}:${p}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 14 }) },
);

describe("protocol 3 codec (properties)", () => {
  it("text payloads: decode(encode(packets)) gives the packets back", () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 10 }), (packets) => {
        const decoded = decodeTextPayloadV3(encodeTextPayloadV3(packets), 1000);
        assert.ok(decoded.ok, decoded.ok ? "" : decoded.reason);
        assert.deepEqual(decoded.packets.map(comparable), packets.map(comparable));
      }),
      RUNS,
    );
  });

  it("binary payloads: decode(encode(packets)) gives the packets back", () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 10 }), (packets) => {
        const decoded = decodeBinaryPayloadV3(encodeBinaryPayloadV3(packets), 1000);
        assert.ok(decoded.ok, decoded.ok ? "" : decoded.reason);
        assert.deepEqual(decoded.packets.map(comparable), packets.map(comparable));
      }),
      RUNS,
    );
  });

  it("any text body: never throws; packets of known types within the limit, or a refusal with a reason", () => {
    const body = fc.oneof(
      fc.array(textPart, { maxLength: 8 }).map((parts) => parts.join("")),
      fc.string({ unit: "binary", maxLength: 60 }),
    );
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 5 }), (text, limit) => {
        const decoded = decodeTextPayloadV3(text, limit);
        if (!decoded.ok) {
          assert.ok(decoded.reason.length > 0);
          return;
        }
        assert.ok(decoded.packets.length <= limit);
        for (const p of decoded.packets) assert.ok(TYPES.includes(p.type as (typeof TYPES)[number]), p.type);
      }),
      RUNS,
    );
  });

  it("any binary body: never throws; packets of known types within the limit, or a refusal with a reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (bytes, limit) => {
        const decoded = decodeBinaryPayloadV3(Buffer.from(bytes), limit);
        if (!decoded.ok) {
          assert.ok(decoded.reason.length > 0);
          return;
        }
        assert.ok(decoded.packets.length <= limit);
        for (const p of decoded.packets) assert.ok(TYPES.includes(p.type as (typeof TYPES)[number]), p.type);
      }),
      RUNS,
    );
  });

  it("one packet past the limit: refused as too many, whatever follows it", () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 2, maxLength: 10 }), fc.string({ maxLength: 10 }), (packets, noise) => {
        const limit = packets.length - 1;
        const text = decodeTextPayloadV3(encodeTextPayloadV3(packets) + noise, limit);
        assert.equal(!text.ok && text.tooManyPackets, true);
        const binary = decodeBinaryPayloadV3(Buffer.concat([encodeBinaryPayloadV3(packets), Buffer.from(noise)]), limit);
        assert.equal(!binary.ok && binary.tooManyPackets, true);
      }),
      RUNS,
    );
  });

  it(`a length prefix is read for at most ${MAX_LENGTH_DIGITS} digits`, () => {
    const long = "9".repeat(MAX_LENGTH_DIGITS + 1);
    const text = decodeTextPayloadV3(`${long}:${"x".repeat(100)}`, 10);
    assert.equal(text.ok, false);
    assert.match(text.ok ? "" : text.reason, /invalid length prefix/);
    // the scan stops after the digits it may read: a colon far away is not looked for
    const noColon = decodeTextPayloadV3("1".repeat(100_000), 10);
    assert.match(noColon.ok ? "" : noColon.reason, /invalid length prefix|without ":"/);
  });
});
