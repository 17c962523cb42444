// The owner of an acknowledgement the server owes a client (AckSender): the callback listeners get
// is the reference's (first call answers, later calls ignored), and whoever holds the callback can
// find its owner and ask where the answer stands.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AckSender, type Socket } from "@sockline/core";
import { Fixture, once } from "./helpers.js";

describe("AckSender: one owner per acknowledgement the server owes", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture().start();
  });
  after(() => fx.close());

  async function connect() {
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/", { transports: ["websocket"] });
    const socket = await serverSide;
    await once(client, "connect");
    return { client, socket };
  }

  it("listeners get the owner's callback: pending, then answered once; the any-listener sees the same callback", async () => {
    const { client, socket } = await connect();
    const seen: { state: string; answered: boolean[]; sameInOnAny: boolean }[] = [];
    let fromOnAny: unknown;
    socket.onAny((_event, ...args) => (fromOnAny = args.at(-1)));
    socket.on("ask", (ack: (...args: unknown[]) => void) => {
      const sender = AckSender.of(ack)!;
      const state = sender.state;
      const answered = [sender.send("one"), sender.send("two")];
      ack("three");
      seen.push({ state, answered, sameInOnAny: fromOnAny === ack });
      assert.equal(sender.state, "answered");
      assert.equal(sender.pending, false);
    });
    assert.equal(await client.emitWithAck("ask"), "one");
    assert.deepEqual(seen, [{ state: "pending", answered: [true, false], sameInOnAny: true }]);
    client.disconnect();
  });

  it("an answer after the client left is dropped, not written", async () => {
    const { client, socket } = await connect();
    const held = new Promise<(...args: unknown[]) => void>((resolve) => socket.on("hold", resolve));
    client.emit("hold", () => assert.fail("no answer after the disconnection"));
    const ack = await held;
    const gone = once(socket, "disconnect");
    client.disconnect();
    await gone;
    ack("too late");
    assert.equal(AckSender.of(ack)!.state, "dropped");
  });

  it("drop() gives the answer up: later calls are ignored", async () => {
    const { client, socket } = await connect();
    socket.on("dropped", (ack: (v: string) => void) => {
      AckSender.of(ack)!.drop();
      ack("ignored");
    });
    socket.on("sync", (ack: (v: string) => void) => ack("synced"));
    let answered = false;
    client.emit("dropped", () => (answered = true));
    assert.equal(await client.emitWithAck("sync"), "synced");
    assert.equal(answered, false);
    client.disconnect();
  });

  it("from() wraps a plain callback with the same once-only semantics; of() knows only owners' callbacks", () => {
    const calls: unknown[][] = [];
    const plain = (...args: unknown[]) => void calls.push(args);
    assert.equal(AckSender.of(plain), undefined);
    assert.equal(AckSender.of("not a function"), undefined);
    const wrapped = AckSender.from(plain);
    assert.equal(AckSender.from(wrapped.callback), wrapped);
    wrapped.callback(1);
    wrapped.callback(2);
    assert.deepEqual(calls, [[1]]);
    assert.equal(wrapped.state, "answered");
  });
});
