// Property tests of the Socket.IO decoder and of binary reassembly, in the spirit of a fuzz target:
// hostile frames built from the wire grammar (and from plain noise) must only ever end in a packet
// that satisfies the protocol's invariants or in the documented ParserError, within the decoder's
// limits; whatever the decoder accepts re-encodes to text it decodes the same way.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  DEFAULT_MAX_ATTACHMENTS,
  Decoder,
  Encoder,
  PacketType,
  ParserError,
  RESERVED_EVENTS,
  isPacketValid,
  type DecoderOptions,
  type Packet,
} from "@sockline/core/parser";

const RUNS = { numRuns: 1000 };

/** What one frame did to a decoder: emitted packets, or the error it threw. */
interface Outcome {
  packets: Packet[];
  error?: unknown;
}

/** Feeds `frames` to a fresh decoder until the first error, as a connection does (it closes on one). */
function feed(frames: readonly unknown[], options?: DecoderOptions): Outcome & { decoder: Decoder; fed: number } {
  const decoder = new Decoder(options);
  const packets: Packet[] = [];
  decoder.on("decoded", (packet) => packets.push(packet));
  let fed = 0;
  for (const frame of frames) {
    try {
      decoder.add(frame);
      fed++;
    } catch (error) {
      return { decoder, packets, error, fed };
    }
  }
  return { decoder, packets, fed };
}

function assertOnlyParserErrors(error: unknown): void {
  if (error !== undefined) assert.ok(error instanceof ParserError, `expected a ParserError, got ${String(error)}`);
}

/** Whether `value` still holds an attachment placeholder (`{ _placeholder: true }`) anywhere. */
function holdsPlaceholder(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 200 || Buffer.isBuffer(value)) return false;
  if ((value as { _placeholder?: unknown })._placeholder === true) return true;
  return Object.values(value).some((child) => holdsPlaceholder(child, depth + 1));
}

/** The invariants of every packet the decoder emits, whatever it was given. */
function assertWellFormed(packet: Packet): void {
  assert.ok(packet.type >= PacketType.CONNECT && packet.type <= PacketType.CONNECT_ERROR, `emitted type ${packet.type}`);
  assert.equal(typeof packet.nsp, "string");
  assert.ok(packet.nsp.startsWith("/"), `namespace ${JSON.stringify(packet.nsp)}`);
  if (packet.id !== undefined) assert.ok(Number.isSafeInteger(packet.id) && packet.id >= 0, `ack id ${packet.id}`);
  assert.equal(packet.attachments, undefined);
  if (packet.type === PacketType.EVENT) {
    const name = packet.data[0];
    assert.ok(typeof name === "number" || (typeof name === "string" && !RESERVED_EVENTS.has(name)), `event name ${String(name)}`);
  }
  assert.ok(isPacketValid(packet), `isPacketValid(${JSON.stringify(packet)})`);
}

// ---- generators: the wire grammar `<type>[<attachments>-][<nsp>,][<id>][<json>]`; each part is mostly what
// the type calls for (so that many frames are accepted) and sometimes wrong (so that every refusal is reached)

const sometimesWrong = <T>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: wrong });
const typeDigit = sometimesWrong(fc.integer({ min: 0, max: 6 }).map(String), fc.constantFrom("7", "9", "a", "-", "/", " ", "", "["));
const attachmentCount = fc.oneof(
  fc.integer({ min: 0, max: 12 }).map((n) => `${n}-`),
  fc.stringMatching(/^[0-9]{0,9}-?$/),
);
const namespacePart = fc.oneof(fc.constant(""), fc.stringMatching(/^\/[a-z0-9/_-]{0,10},$/), fc.stringMatching(/^\/[^,]{0,6}$/));
/** `length` decimal digits exactly (leading zeros included): lengths spread evenly up to `max`. */
const digits = (max: number) =>
  fc
    .integer({ min: 1, max })
    .chain((length) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join("")));
const ackIdPart = fc.oneof(fc.constant(""), fc.nat().map(String), digits(22));
const eventName = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...RESERVED_EVENTS), fc.integer());
const args = fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ _placeholder: true, num: 0 })), { maxLength: 3 });
const anyJson = fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 12 }));
/** The payload each packet type calls for: CONNECT an object, EVENT `[name, ...args]`, ACK `[...args]`... */
const payloadFor: Record<string, fc.Arbitrary<string>> = {
  "0": fc.oneof(
    fc.constant(""),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => JSON.stringify(o)),
  ),
  "1": fc.constant(""),
  "2": fc.tuple(eventName, args).map(([name, rest]) => JSON.stringify([name, ...rest])),
  "3": args.map((rest) => JSON.stringify(rest)),
  "4": fc.oneof(fc.string({ maxLength: 8 }), fc.record({ message: fc.string({ maxLength: 8 }) })).map((v) => JSON.stringify(v)),
};
payloadFor["5"] = payloadFor["2"]!;
payloadFor["6"] = payloadFor["3"]!;
const grammarText = typeDigit
  .chain((type) =>
    fc.tuple(
      fc.constant(type),
      type === "5" || type === "6"
        ? sometimesWrong(
            fc.integer({ min: 1, max: 3 }).map((n) => `${n}-`),
            attachmentCount,
          )
        : sometimesWrong(fc.constant(""), attachmentCount),
      namespacePart,
      ackIdPart,
      sometimesWrong(payloadFor[type] ?? anyJson, anyJson),
    ),
  )
  .map((parts) => parts.join(""));
const noiseText = fc.string({ unit: "binary", maxLength: 60 });
const anyText = fc.oneof({ weight: 4, arbitrary: grammarText }, { weight: 1, arbitrary: noiseText });

const attachment = fc.uint8Array({ maxLength: 32 }).map((bytes) => Buffer.from(bytes));
/** Any frame a peer could send: text from the grammar, binary of any size, or a typed array. */
const anyFrame = fc.oneof(
  { weight: 3, arbitrary: anyText },
  { weight: 2, arbitrary: attachment },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
);

describe("parser properties: hostile text frames", () => {
  it("one text frame ends in a well-formed packet, a held binary packet, or a ParserError", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { packets, error, decoder } = feed([text]);
        assertOnlyParserErrors(error);
        if (error !== undefined) return assert.equal(packets.length, 0);
        if (decoder.pendingAttachments > 0) {
          // a binary header: held, never emitted before its attachments, within maxAttachments
          assert.equal(packets.length, 0);
          assert.ok(decoder.pendingAttachments <= DEFAULT_MAX_ATTACHMENTS);
          assert.match(text, /^[56]/);
          return;
        }
        assert.equal(packets.length, 1);
        assertWellFormed(packets[0]!);
      }),
      RUNS,
    );
  });

  it("what the decoder accepts re-encodes to text that decodes the same way (encode after decode is stable)", () => {
    fc.assert(
      fc.property(grammarText, (text) => {
        const first = feed([text]);
        fc.pre(first.error === undefined && first.packets.length === 1);
        const encoded = new Encoder().encode(first.packets[0]!);
        const second = feed(encoded);
        assert.equal(second.error, undefined);
        assert.equal(second.packets.length, 1);
        assert.deepEqual(new Encoder().encode(second.packets[0]!), encoded);
      }),
      RUNS,
    );
  });

  it("nesting is bounded by maxDepth exactly, brackets inside strings do not count, and no RangeError escapes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 150 }), fc.boolean(), (levels, maxDepth, inString) => {
        const nested = "[".repeat(levels) + "]".repeat(levels);
        const payload = inString ? `["e",${JSON.stringify(nested)}]` : `["e",${nested || "0"}]`;
        const { packets, error } = feed([`2${payload}`], { maxDepth });
        const depth = inString || levels === 0 ? 1 : levels + 1;
        if (depth > maxDepth) {
          assert.ok(error instanceof ParserError, String(error));
          assert.equal(error.limit, "maxDepth");
        } else {
          assert.equal(error, undefined);
          assert.equal(packets.length, 1);
        }
      }),
      RUNS,
    );
  });

  it("an ack id is a safe integer or the frame is refused; an attachment count is 1..maxAttachments or refused", () => {
    fc.assert(
      fc.property(digits(24), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 20 }), (id, count, maxAttachments) => {
        const ack = feed([`3${id}[]`]);
        if (id.length > 15) assert.ok(ack.error instanceof ParserError);
        else assert.deepEqual(ack.packets, [{ type: PacketType.ACK, nsp: "/", id: Number(id), data: [] }]);

        const binary = feed([`5${count}-["e",{"_placeholder":true,"num":0}]`], { maxAttachments });
        if (count === 0) assert.ok(binary.error instanceof ParserError);
        else if (count > maxAttachments) {
          assert.ok(binary.error instanceof ParserError);
          assert.equal(binary.error.limit, "maxAttachments");
        } else assert.equal(binary.decoder.pendingAttachments, count);
      }),
      RUNS,
    );
  });
});

describe("parser properties: binary reassembly", () => {
  it("any sequence of frames ends in well-formed packets or a ParserError, holding at most maxAttachments buffers", () => {
    const options = { maxAttachments: 4, maxAttachmentBytes: 64 };
    fc.assert(
      fc.property(fc.array(anyFrame, { maxLength: 12 }), (frames) => {
        const decoder = new Decoder(options);
        const packets: Packet[] = [];
        decoder.on("decoded", (packet) => packets.push(packet));
        let heldBytes = 0;
        for (const frame of frames) {
          const before = decoder.pendingAttachments;
          try {
            decoder.add(frame);
          } catch (error) {
            assertOnlyParserErrors(error);
            if (error instanceof ParserError && error.limit === "maxAttachmentBytes") {
              assert.ok(heldBytes + (frame as Uint8Array).byteLength > options.maxAttachmentBytes);
              assert.equal(decoder.pendingAttachments, 0, "what was held is dropped at once");
            }
            break;
          }
          if (typeof frame === "string") heldBytes = 0;
          else if (before > 0) heldBytes += (frame as Uint8Array).byteLength;
          assert.ok(decoder.pendingAttachments <= options.maxAttachments);
          if (decoder.pendingAttachments > 0) assert.ok(heldBytes <= options.maxAttachmentBytes);
        }
        for (const packet of packets) assertWellFormed(packet);
      }),
      RUNS,
    );
  });

  /** JSON values with buffers (and typed arrays) mixed in at any depth. */
  const withBinary = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.integer(),
      fc.string({ maxLength: 6 }),
      fc.boolean(),
      fc.constant(null),
      attachment,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(
        fc.string({ minLength: 1, maxLength: 5 }).filter((k) => k !== "__proto__" && k !== "_placeholder"),
        tie("value"),
        {
          maxKeys: 4,
          noNullPrototype: true,
        },
      ),
    ),
  })).value;

  it("encode then decode, one frame at a time: the packet comes out once, after its last attachment, equal to what was sent", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant("/"), fc.stringMatching(/^\/[a-z0-9_-]{1,8}$/)),
        fc.option(fc.nat(), { nil: undefined }),
        fc.boolean(),
        fc.array(withBinary, { maxLength: 4 }),
        attachment,
        (nsp, id, isAck, args, last) => {
          const data = isAck ? [...args, last] : ["event", ...args, last];
          const sent: Packet = { type: isAck ? PacketType.ACK : PacketType.EVENT, nsp, data, id: isAck ? (id ?? 0) : id };
          const frames = new Encoder().encode(sent);
          const decoder = new Decoder({ maxAttachments: 10_000 });
          const packets: Packet[] = [];
          decoder.on("decoded", (packet) => packets.push(packet));
          frames.forEach((frame, index) => {
            decoder.add(frame);
            const remaining = frames.length - 1 - index;
            assert.equal(decoder.pendingAttachments, remaining);
            assert.equal(packets.length, remaining === 0 ? 1 : 0);
          });
          const [received] = packets;
          assert.equal(received!.type, sent.type);
          assert.equal(received!.nsp, nsp);
          assert.equal(received!.id, sent.id);
          assert.deepEqual(received!.data, data);
          assert.ok(!holdsPlaceholder(received!.data));
        },
      ),
      RUNS,
    );
  });

  it("a placeholder that names no received attachment is refused, never left in the data", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constant(1.5), fc.string({ maxLength: 2 })),
        (count, num) => {
          const head = `5${count}-["e",${JSON.stringify({ _placeholder: true, num })}]`;
          const frames = [head, ...Array.from({ length: count }, () => Buffer.from([1]))];
          const { packets, error } = feed(frames);
          if (typeof num === "number" && Number.isInteger(num) && num >= 0 && num < count) {
            assert.equal(error, undefined);
            assert.deepEqual(packets[0]!.data, ["e", Buffer.from([1])]);
          } else {
            assert.ok(error instanceof ParserError, String(error));
            assert.equal(packets.length, 0);
          }
        },
      ),
      RUNS,
    );
  });
});
