// The `parser` option: socket.io-msgpack-parser on both sides, over every transport.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import msgpackParser from "socket.io-msgpack-parser";
import { Harness, TRANSPORT_MODES } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { bytesOf } from "./helpers/binary.js";
import { once } from "@sockline/e2e/support";

for (const mode of TRANSPORT_MODES) {
  describe(`[${IMPL}] custom parser (socket.io-msgpack-parser) over ${mode}`, () => {
    let h: Harness;
    before(async () => {
      h = await Harness.start({ parser: msgpackParser }, mode);
    });
    after(() => h.close());

    it("events, binary, acks, rooms and namespaces work with the msgpack codec", async () => {
      h.io.of("/chat");
      const { client, socket } = await h.connect("/chat", { parser: msgpackParser });
      socket.on("ping", (payload: { n: number; bin: Uint8Array }, ack: (v: unknown) => void) =>
        ack({ n: payload.n + 1, len: bytesOf(payload.bin).length }),
      );
      assert.deepEqual(await client.emitWithAck("ping", { n: 1, bin: Uint8Array.from([1, 2, 3]) }), { n: 2, len: 3 });

      socket.join("room");
      const got = once(client, "news");
      h.io
        .of("/chat")
        .to("room")
        .emit("news", "hi", { buf: Buffer.from([9]) });
      const [text, obj] = await got;
      assert.equal(text, "hi");
      assert.deepEqual(bytesOf((obj as { buf: unknown }).buf), [9]);

      client.on("question", (ack: (v: string) => void) => ack("yes"));
      assert.equal(await socket.timeout(5000).emitWithAck("question"), "yes");
    });

    it("middleware errors with data reach a msgpack client", async () => {
      h.io.of("/guarded").use((_socket, next) => next(Object.assign(new Error("nope"), { data: { why: "test" } })));
      const client = h.client("/guarded", { parser: msgpackParser });
      const [err] = await once<[Error & { data?: unknown }]>(client, "connect_error");
      assert.equal(err.message, "nope");
      assert.deepEqual(err.data, { why: "test" });
    });
  });
}
