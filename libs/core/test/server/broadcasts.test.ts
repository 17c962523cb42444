// Broadcasts through the adapter's contract (the adapter picks socket ids, the namespace writes): one
// encoding per broadcast whatever the recipients' transports, and acknowledgement callbacks that do not
// outlive the broadcast's timeout.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Server as ReferenceEngine } from "engine.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { Server } from "@sockline/core";
import { Decoder, Encoder, type Packet } from "@sockline/core/parser";
import { waitUntil } from "@sockline/e2e/support";
import { Fixture, once, TRANSPORTS } from "./helpers.js";

/** Every packet the server encodes, in order (a parser option with Sockline's codec, counting). */
const encoded: Packet[] = [];
class CountingEncoder extends Encoder {
  override encode(packet: Packet) {
    encoded.push(packet);
    return super.encode(packet);
  }
}

describe("broadcasts through the adapter's contract", () => {
  let fx: Fixture;
  let clients: ClientSocket[];
  before(async () => {
    fx = await new Fixture({ parser: { Encoder: CountingEncoder, Decoder } }).start();
    fx.io.on("connection", (socket) => socket.join("room"));
    clients = Object.values(TRANSPORTS).map((transports) => fx.client("/", { transports }));
    await Promise.all(clients.map((client) => once(client, "connect")));
    await waitUntil(() => fx.io.of("/").adapter.rooms.get("room")?.size === clients.length, "every socket in the room");
  });
  after(() => fx.close());

  const encodingsOf = (event: string) => encoded.filter((packet) => Array.isArray(packet.data) && packet.data[0] === event).length;

  it("a packet is encoded once for all its recipients, text or binary, websocket or polling", async () => {
    const texts = Promise.all(clients.map((client) => once<string>(client, "news")));
    fx.io.to("room").emit("news", "hello");
    assert.deepEqual(await texts, ["hello", "hello", "hello"]);
    assert.equal(encodingsOf("news"), 1);

    const binaries = Promise.all(clients.map((client) => once<Buffer>(client, "bin")));
    fx.io.to("room").emit("bin", Buffer.from([1, 2, 3]));
    for (const data of await binaries) assert.deepEqual([...new Uint8Array(data)], [1, 2, 3]);
    assert.equal(encodingsOf("bin"), 1);

    for (const client of clients) client.once("ask", (answer: (value: string) => void) => answer(client.id!));
    const responses = await fx.io.to("room").timeout(5_000).emitWithAck("ask");
    assert.deepEqual([...responses].sort(), clients.map((client) => client.id!).sort());
    assert.equal(encodingsOf("ask"), 1);
  });

  it("past its timeout, a broadcast with ack forgets the callbacks of the recipients that did not answer", async () => {
    const [answering, ...silent] = clients;
    answering!.once("question", (answer: (value: number) => void) => answer(42));
    for (const client of silent) client.once("question", () => {});
    const outcome = await new Promise<[Error | null, unknown[]]>((resolve) => {
      fx.io.timeout(200).emit("question", (err: Error | null, responses: unknown[]) => resolve([err, responses]));
    });
    assert.match(String(outcome[0]), /timed out/);
    assert.deepEqual(outcome[1], [42]);
    // nothing is kept for an answer nobody waits for any more
    await waitUntil(() => [...fx.io.sockets.sockets.values()].every((socket) => socket.acks.size === 0), "no pending ack left");
  });

  it("on the reference engine (io.bind), whose connections take no shared message, broadcasts still reach everyone", async () => {
    const http = createServer();
    const engine = new ReferenceEngine();
    engine.attach(http, { path: "/socket.io/" });
    const io = new Server();
    io.bind(engine);
    io.on("connection", (socket) => socket.join("room"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const peers = Object.values(TRANSPORTS).map((transports) => connect(url, { transports, forceNew: true, reconnection: false }));
    try {
      await Promise.all(peers.map((peer) => once(peer, "connect")));
      await waitUntil(() => io.of("/").adapter.rooms.get("room")?.size === peers.length, "every socket in the room");
      const texts = Promise.all(peers.map((peer) => once<string>(peer, "news")));
      io.to("room").emit("news", "over engine.io");
      assert.deepEqual(await texts, ["over engine.io", "over engine.io", "over engine.io"]);
      const binaries = Promise.all(peers.map((peer) => once<Buffer>(peer, "bin")));
      io.to("room").emit("bin", Buffer.from([7]));
      for (const data of await binaries) assert.deepEqual([...new Uint8Array(data)], [7]);
    } finally {
      for (const peer of peers) peer.disconnect();
      await io.close();
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
