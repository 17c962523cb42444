// One test per published advisory against socket.io / socket.io-parser, each sending that kind of
// input. The offending connection is closed (or the input is harmlessly handled), and the process
// and a bystander client carry on.
//
// - CVE-2020-36049 (socket.io-parser): memory exhaustion from one very large packet.
// - CVE-2022-2421 (socket.io-parser): attachment placeholders not validated (`num` not an index of a
//   received buffer, e.g. "__proto__" or out of range) let a packet plant references anywhere.
// - CVE-2023-32695 (socket.io-parser): insufficient validation of the decoded packet, an event name
//   that is not a string/number (an object whose toString is data) crashed the server.
// - CVE-2024-38355 (socket.io): a client emitting "error" (or a middleware error) with no "error"
//   listener threw an unhandled 'error' event and killed the process.
// - CVE-2026-33151 (socket.io-parser): unbounded count of binary attachments held in memory.
// - CVE-2026-69185 (socket.io-parser): a binary packet announcing zero attachments made the decoder
//   buffer every following frame forever.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { joinedRaw, type RawClient } from "./helpers/raw.js";
import { PollingSession } from "./helpers/polling.js";
import { connectBystander, type Bystander } from "./helpers/bystander.js";
import { record } from "@sockline/e2e/support";

describe(`[${IMPL}] published advisories`, () => {
  let h: Harness;
  let bystander: Bystander;
  const raws: RawClient[] = [];
  before(async () => {
    h = await Harness.start({}, "websocket");
    bystander = await connectBystander(h);
  });
  after(async () => {
    raws.forEach((r) => {
      r.close();
    });
    await h.close();
  });

  const joined = () => joinedRaw(h, raws);

  it("CVE-2020-36049: a packet larger than maxHttpBufferSize closes the websocket and is refused over polling", async () => {
    const { raw, socket } = await joined();
    const events = record(socket, "big");
    raw.sendPacket(`2["big","${"x".repeat(1_100_000)}"]`);
    await raw.waitClosed("the server to close a websocket that sent 1.1 MB");
    assert.equal(events.stop().length, 0);

    const session = await PollingSession.open(h.url);
    const { status } = await session.post(`42["big","${"x".repeat(1_100_000)}"]`);
    assert.equal(status, 413, "payload too large");
    await bystander.assertAlive();
  });

  it("CVE-2022-2421: placeholders that name no received buffer close the connection", async () => {
    for (const num of ['"__proto__"', "5", "-1", '"0"', '{"toString":"x"}']) {
      const { raw, socket } = await joined();
      const events = record(socket, "ev");
      raw.sendPacket(`51-["ev",{"_placeholder":true,"num":${num}}]`);
      raw.sendBinary(Buffer.from([1]));
      await raw.waitClosed(`the server to close the connection after a placeholder num ${num}`);
      assert.equal(events.stop().length, 0, `num ${num}: nothing dispatched`);
    }
    assert.equal(({} as Record<string, unknown>)["_placeholder"], undefined, "Object.prototype untouched");
    await bystander.assertAlive();
  });

  it("CVE-2023-32695: an event name that is not a string or a number closes the connection", async () => {
    for (const name of ['{"toString":"foo"}', "[]", "null", "true"]) {
      const { raw } = await joined();
      raw.sendPacket(`2[${name},"payload"]`);
      await raw.waitClosed(`the server to close the connection after an event named ${name}`);
    }
    await bystander.assertAlive();
  });

  it('CVE-2024-38355: an "error" event from the client, without an error listener, does not kill the process', async () => {
    // An unhandled 'error' event would surface as an uncaught exception, possibly a tick after the
    // packet: record them for the duration of the test so the failure is reported here.
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    try {
      const { client, socket } = await h.connect("/");
      client.emit("error", "boom");
      client.emit("error", { message: "from the official client" });
      // a per-packet middleware failing, also with no application error listener
      socket.use((_packet, next) => next(new Error("middleware refused")));
      client.emit("anything");

      const { raw } = await joined();
      raw.sendPacket('2["error",{"message":"x"}]');
      raw.sendPacket('2["error"]');
      for (let round = 0; round < 3; round++) {
        // round trips on both connections: the packets above have been dispatched by now
        raw.sendPacket(`23["bystander:echo","after error ${round}"]`);
        assert.equal(await raw.nextText(), `33["after error ${round}"]`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await bystander.assertAlive();
      assert.deepEqual(uncaught.map(String), [], "no uncaught exception");
      client.disconnect();
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });

  it("CVE-2026-33151: announcing a huge number of attachments closes the connection at once", async () => {
    for (const count of ["11", "999999", "99999999999999999999"]) {
      const { raw } = await joined();
      raw.sendPacket(`5${count}-["ev",{"_placeholder":true,"num":0}]`);
      await raw.waitClosed(`the server to close the connection after ${count} announced attachments`);
    }
    await bystander.assertAlive();
  });

  it("CVE-2026-69185: a binary packet announcing zero attachments closes the connection", async () => {
    const { raw, socket } = await joined();
    const events = record(socket, "ev");
    raw.sendPacket('50-["ev"]');
    for (let i = 0; i < 3 && raw.isOpen; i++) raw.sendBinary(Buffer.alloc(1024, i));
    await raw.waitClosed("the server to close the connection after a zero-attachment packet");
    assert.equal(events.stop().length, 0);
    await bystander.assertAlive();
  });
});
