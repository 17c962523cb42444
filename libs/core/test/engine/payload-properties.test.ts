// Property tests of the Engine.IO packet and payload decoders, in the spirit of a fuzz target: any
// polling body (from the wire grammar, or noise) decodes without throwing, to packets of known types
// that stop at the first invalid one (the `error` packet the transport closes the session on), and
// never to more packets than the body has separators plus one (the count the transport's
// maxPacketsPerPayload check makes on the raw text before decoding).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodePacket, decodePayload, encodePayload, SEPARATOR, type Packet } from "@sockline/core/engine";

const RUNS = { numRuns: 1000 };
const TYPES = new Set(["open", "close", "ping", "pong", "message", "upgrade", "noop"]);
const TEXT_TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"] as const;

const base64Like = fc.oneof(
  fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString("base64")),
  fc.stringMatching(/^[A-Za-z0-9+/=]{0,12}$/),
  fc.string({ maxLength: 8 }),
);
/** One packet's text: a type digit and data, `b` + base64 (or not quite), or noise. */
const packetText = fc
  .oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 9 }), fc.string({ unit: "binary", maxLength: 16 }))
        .map(([digit, data]) => `${digit}${data}`),
    },
    { weight: 2, arbitrary: base64Like.map((text) => `b${text}`) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 16 }) },
  )
  .map((text) => text.replaceAll(SEPARATOR, ""));
const body = fc.oneof(
  { weight: 3, arbitrary: fc.array(packetText, { minLength: 1, maxLength: 12 }).map((parts) => parts.join(SEPARATOR)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
);

function countSeparators(text: string): number {
  let count = 0;
  for (let i = text.indexOf(SEPARATOR); i !== -1; i = text.indexOf(SEPARATOR, i + 1)) count++;
  return count;
}

describe("engine payload properties: hostile polling bodies", () => {
  it("never throws; known types only; at most one error packet, last; no more packets than separators + 1", () => {
    fc.assert(
      fc.property(body, (text) => {
        const packets = decodePayload(text);
        assert.ok(packets.length >= 1);
        assert.ok(packets.length <= countSeparators(text) + 1);
        packets.forEach((packet, index) => {
          if (packet.type === "error") {
            assert.equal(index, packets.length - 1, "decoding stops at the first invalid packet");
            return;
          }
          assert.ok(TYPES.has(packet.type), packet.type);
          if (packet.type === "message") assert.ok(typeof packet.data === "string" || Buffer.isBuffer(packet.data));
          else assert.ok(packet.data === undefined || typeof packet.data === "string");
        });
      }),
      RUNS,
    );
  });

  it("decodes each part as decodePacket alone would, up to and including the first invalid one", () => {
    fc.assert(
      fc.property(fc.array(packetText, { minLength: 1, maxLength: 12 }), (parts) => {
        const expected: Packet[] = [];
        for (const part of parts) {
          const packet = decodePacket(part);
          expected.push(packet);
          if (packet.type === "error") break;
        }
        assert.deepEqual(decodePayload(parts.join(SEPARATOR)), expected);
      }),
      RUNS,
    );
  });

  it("`b` + text is binary only when the text is base64 (length a multiple of 4), and then it is exactly those bytes", () => {
    fc.assert(
      fc.property(base64Like, (text) => {
        const packet = decodePacket(`b${text}`);
        if (packet.type === "error") {
          assert.ok(text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text), `refused ${JSON.stringify(text)}`);
          return;
        }
        assert.equal(packet.type, "message");
        assert.ok(Buffer.isBuffer(packet.data));
        assert.deepEqual(packet.data, Buffer.from(text, "base64"));
      }),
      RUNS,
    );
  });

  it("encode then decode returns the packets, for any text (every code point but the separator) and any bytes", () => {
    const textPacket = fc
      .record({ type: fc.constantFrom(...TEXT_TYPES), data: fc.string({ unit: "binary", minLength: 1, maxLength: 40 }) })
      .map(({ type, data }): Packet => ({ type, data: data.replaceAll(SEPARATOR, "") || "x" }));
    const binaryPacket = fc.uint8Array({ maxLength: 64 }).map((bytes): Packet => ({ type: "message", data: Buffer.from(bytes) }));
    fc.assert(
      fc.property(fc.array(fc.oneof(textPacket, binaryPacket), { minLength: 1, maxLength: 16 }), (packets) => {
        assert.deepEqual(decodePayload(encodePayload(packets)), packets);
      }),
      RUNS,
    );
  });
});
