import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Socket } from "@sockline/core";
import { Fixture, TRANSPORTS, once } from "./helpers.js";

for (const [label, transports] of Object.entries(TRANSPORTS)) {
  describe(`connection state recovery over ${label}`, () => {
    let fx: Fixture;
    before(async () => {
      fx = await new Fixture({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }).start();
    });
    after(() => fx.close());

    it("restores id, rooms and data and replays missed packets in order; a second restore starts fresh", async () => {
      const first = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports, reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 10 });
      const received: unknown[] = [];
      client.on("news", (n: unknown) => received.push(n));
      const socket = await first;
      await once(client, "connect");
      socket.join("room");
      socket.data = { user: "ann" };
      // One packet while connected, so the client holds an offset.
      fx.io.emit("news", 0);
      await new Promise<void>((resolve) => client.once("news", () => resolve()));

      const serverGone = once<string>(socket, "disconnect");
      // An unexpected disconnection: the transport dies without a DISCONNECT packet.
      (client.io as unknown as { engine: { close(): void } }).engine.close();
      assert.equal(await serverGone, "transport close");
      fx.io.to("room").emit("news", 1);
      fx.io.emit("news", 2);
      fx.io.to("elsewhere").emit("news", "not for us");
      fx.io.volatile.emit("news", "volatile is not replayed");

      const second = once<Socket>(fx.io, "connection");
      await once(client, "connect");
      const restored = await second;
      assert.equal(client.recovered, true);
      assert.equal(restored.recovered, true);
      assert.equal(restored.id, socket.id);
      assert.equal(client.id, socket.id);
      assert.ok(restored.rooms.has("room"));
      assert.deepEqual(restored.data, { user: "ann" });
      restored.on("sync", (cb: () => void) => cb());
      await client.emitWithAck("sync");
      assert.deepEqual(received, [0, 1, 2]);

      // Replaying the same private session id (as a thief or a second tab would) does not restore it again.
      const { _pid: pid, _lastOffset: offset } = client as unknown as { _pid: string; _lastOffset: string };
      assert.equal(typeof pid, "string");
      const replayed = once<Socket>(fx.io, "connection");
      const thief = fx.client("/", { transports, auth: { pid, offset } });
      const thiefSocket = await replayed;
      assert.equal(thiefSocket.recovered, false);
      assert.notEqual(thiefSocket.id, socket.id);
      thief.disconnect();
      client.disconnect();
    });

    it("an unknown or reused session id gets a fresh session", async () => {
      const connected = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports, auth: { pid: "forged", offset: "0-1" } });
      const socket = await connected;
      await once(client, "connect");
      assert.equal(socket.recovered, false);
      client.disconnect();
    });
  });
}
