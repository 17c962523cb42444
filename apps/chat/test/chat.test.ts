import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startChat, type Framework, type RunningChat } from "@sockline/chat";
import { ack, chatClient, connectError, connected, type ChatClient } from "./helpers.js";
import { nextEvent } from "@sockline/e2e/support";

const FRAMEWORKS: Framework[] = ["fastify", "express", "nestjs"];

for (const framework of FRAMEWORKS) {
  describe(`chat gateways on ${framework} (socket.io-client in Node)`, () => {
    let chat: RunningChat;
    const clients: ChatClient[] = [];
    const client = (nickname: unknown, options?: Record<string, unknown>) => {
      const c = chatClient(chat.url, nickname, options);
      clients.push(c);
      return c;
    };

    before(async () => {
      chat = await startChat({ framework, host: "127.0.0.1", port: 0, historyPerRoom: 3 });
    });
    after(async () => {
      for (const c of clients) c.close();
      await chat.close();
    });

    it("refuses a connection without a valid nickname, with the reason", async () => {
      const missing = await connectError(client(undefined));
      assert.match(missing.message, /nickname is required/);
      const empty = await connectError(client("   "));
      assert.match(empty.message, /must not be empty/);
      const long = await connectError(client("x".repeat(25)));
      assert.match(long.message, /at most 24 characters/);
      const ok = await connected(client("y".repeat(24)));
      assert.equal(ok.connected, true);
    });

    it("joins a room: history, members, presence and the room list", async () => {
      const ann = await connected(client("ann"));
      const bob = await connected(client("bob"));
      const annJoin = await ack(ann, "room:join", { room: "general" });
      assert.deepEqual(annJoin.members, [{ id: ann.id, nickname: "ann" }]);
      assert.deepEqual(annJoin.history, []);

      const presence = nextEvent(ann, "presence", { match: (p: any) => p.room === "general" && p.members.length === 2 });
      const rooms = nextEvent(ann, "rooms", { match: (r: any) => r.rooms.some((x: any) => x.name === "general" && x.members === 2) });
      const bobJoin = await ack(bob, "room:join", { room: "general" });
      assert.deepEqual(
        bobJoin.members.map((m: any) => m.nickname),
        ["ann", "bob"],
      );
      assert.deepEqual((await presence).members, [
        { id: ann.id, nickname: "ann" },
        { id: bob.id, nickname: "bob" },
      ]);
      await rooms;
      const listed = await ack(bob, "rooms:list");
      assert.deepEqual(
        listed.rooms.find((r: any) => r.name === "general"),
        { name: "general", members: 2 },
      );

      // Leaving updates the others' member list.
      const afterLeave = nextEvent(ann, "presence", { match: (p: any) => p.room === "general" && p.members.length === 1 });
      assert.deepEqual(await ack(bob, "room:leave", { room: "general" }), { room: "general" });
      assert.deepEqual((await afterLeave).members, [{ id: ann.id, nickname: "ann" }]);
    });

    it("acks a message with its id (the delivered tick) and relays it to the others only", async () => {
      const ann = await connected(client("ann"));
      const bob = await connected(client("bob"));
      await ack(ann, "room:join", { room: "ticks" });
      await ack(bob, "room:join", { room: "ticks" });
      let annGotOwn = false;
      ann.on("message", () => (annGotOwn = true));
      const received = nextEvent(bob, "message");
      const reply = await ack(ann, "message:send", { room: "ticks", text: "hello bob" });
      assert.equal(typeof reply.id, "string");
      assert.equal(typeof reply.at, "number");
      const message = await received;
      assert.deepEqual(message, { id: reply.id, room: "ticks", from: { id: ann.id, nickname: "ann" }, text: "hello bob", at: reply.at });
      // A round trip after the relay: had the sender been sent its own copy, it would be here by now.
      await ack(ann, "rooms:list");
      assert.equal(annGotOwn, false);
    });

    it("answers invalid payloads with the validation error shape", async () => {
      const ann = await connected(client("ann"));
      const bad = await ack(ann, "message:send", { room: "no spaces allowed", text: "" });
      assert.equal(bad.error.message, "Validation failed");
      const properties = bad.error.data.errors.map((e: any) => e.property).sort();
      assert.deepEqual(properties, ["room", "text"]);
      const extra = await ack(ann, "room:join", { room: "ok", admin: true });
      assert.equal(extra.error.message, "Validation failed");
      assert.deepEqual(
        extra.error.data.errors.map((e: any) => e.property),
        ["admin"],
      );
      const notJoined = await ack(ann, "message:send", { room: "elsewhere", text: "hi" });
      assert.deepEqual(notJoined, { error: { message: "join #elsewhere before sending to it" } });
    });

    it("keeps a bounded history per room", async () => {
      const ann = await connected(client("ann"));
      await ack(ann, "room:join", { room: "history" });
      for (const text of ["one", "two", "three", "four", "five"]) await ack(ann, "message:send", { room: "history", text });
      const bob = await connected(client("bob"));
      const joined = await ack(bob, "room:join", { room: "history" });
      assert.deepEqual(
        joined.history.map((m: any) => m.text),
        ["three", "four", "five"],
      );
    });

    it("sends private messages by socket id, to both ends only", async () => {
      const ann = await connected(client("ann"));
      const bob = await connected(client("bob"));
      const eve = await connected(client("eve"));
      // A chat room named like Bob's socket id must not receive Bob's private messages.
      if (/^[A-Za-z0-9_-]{1,32}$/.test(bob.id!)) await ack(eve, "room:join", { room: bob.id });
      let eveSaw = false;
      eve.on("private", () => (eveSaw = true));
      const bobGets = nextEvent(bob, "private");
      const annGets = nextEvent(ann, "private");
      const reply = await ack(ann, "private:send", { to: bob.id, text: "psst" });
      const [atBob, atAnn] = await Promise.all([bobGets, annGets]);
      assert.equal(atBob.id, reply.id);
      assert.deepEqual(atBob, atAnn);
      assert.deepEqual(atBob.from, { id: ann.id, nickname: "ann" });
      assert.deepEqual(atBob.to, { id: bob.id, nickname: "bob" });
      await ack(eve, "rooms:list");
      assert.equal(eveSaw, false);

      const unknown = await ack(ann, "private:send", { to: "nobody-here", text: "hello?" });
      assert.deepEqual(unknown, { error: { message: "nobody with id nobody-here is connected" } });
    });

    it("relays typing to the others in the room", async () => {
      const ann = await connected(client("ann"));
      const bob = await connected(client("bob"));
      await ack(ann, "room:join", { room: "typing" });
      await ack(bob, "room:join", { room: "typing" });
      const typing = nextEvent(bob, "typing");
      ann.emit("typing", { room: "typing", typing: true });
      assert.deepEqual(await typing, { room: "typing", user: { id: ann.id, nickname: "ann" }, typing: true });
    });

    it("recovers a dropped connection: same id, same rooms, the messages it missed", async () => {
      // Reconnection is left to the test (ann.connect()) so the message is surely sent while ann is away.
      const ann = await connected(client("ann"));
      const bob = await connected(client("bob"));
      await ack(ann, "room:join", { room: "recovery" });
      await ack(bob, "room:join", { room: "recovery" });
      const first = nextEvent(ann, "message");
      await ack(bob, "message:send", { room: "recovery", text: "before" });
      await first; // ann has an offset to recover from

      const annId = ann.id!;
      const dropped = nextEvent(ann, "disconnect");
      chat.chat.namespace.sockets.get(annId)!.conn.close();
      assert.equal(await dropped, "transport close");
      const missed = await ack(bob, "message:send", { room: "recovery", text: "while you were away" });
      const replayed = nextEvent(ann, "message", { match: (m: any) => m.id === missed.id });
      await connected(ann);
      assert.equal(ann.recovered, true);
      assert.equal(ann.id, annId);
      assert.equal((await replayed).text, "while you were away");
      // Still in the room after recovery.
      const later = nextEvent(ann, "message", { match: (m: any) => m.text === "after" });
      await ack(bob, "message:send", { room: "recovery", text: "after" });
      await later;
    });
  });
}
