// `volatile`: a packet is dropped when the connection is not ready to send it now. Right behind
// another write (same tick) neither transport is: the reference's websocket transport stays not
// writable until that write's callback ran, polling until the next GET. The count is deterministic
// (the whole loop runs in one tick), so both implementations must deliver exactly one.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { once, record } from "@sockline/e2e/support";

for (const mode of ["websocket", "polling"] as const) {
  describe(`[${IMPL}] volatile over ${mode}`, () => {
    let h: Harness;
    before(async () => {
      h = await Harness.start({}, mode);
    });
    after(() => h.close());

    it("emit, then 1,000 volatile emits in the same tick: only the first arrives", async () => {
      const { client, socket } = await h.connect();
      const got = record<number | undefined>(client, "ev");
      socket.emit("ev");
      for (let i = 0; i < 1000; i++) socket.volatile.emit("ev", i);
      // sent in a later turn, behind whatever was sent above: once it is here, the rest has arrived
      const sentinel = once(client, "sentinel");
      setImmediate(() => socket.emit("sentinel"));
      await sentinel;
      assert.deepEqual(got.stop(), [[]]);
      client.disconnect();
    });

    it("io.volatile.emit right behind a broadcast in the same tick is dropped for every client", async () => {
      const pairs = [await h.connect(), await h.connect()];
      const got = pairs.map(({ client }) => record(client, "b"));
      h.io.emit("b", "first");
      for (let i = 0; i < 100; i++) h.io.volatile.emit("b", i);
      const sentinels = pairs.map(({ client }) => once(client, "sentinel"));
      setImmediate(() => h.io.emit("sentinel"));
      await Promise.all(sentinels);
      for (const recorded of got) assert.deepEqual(recorded.stop(), [["first"]]);
      for (const { client } of pairs) client.disconnect();
    });
  });
}
