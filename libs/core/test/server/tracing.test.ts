// The diagnostics_channel events: subscribed by name as an instrumentation would, with real clients.
import assert from "node:assert/strict";
import diagnosticsChannel from "node:diagnostics_channel";
import { after, before, describe, it } from "node:test";
import { traceHandlerPromise, type AckContext, type HandlerContext, type PacketMessage, type Socket } from "@sockline/core";
import { Fixture, once } from "./helpers.js";

type Recorded = [string, unknown];

/** Subscribes to every Sockline channel; `stop()` unsubscribes (the channels are process-wide). */
function record(): { events: Recorded[]; stop(): void } {
  const events: Recorded[] = [];
  const plain = ["sockline:connection", "sockline:disconnect", "sockline:packet"].map((name) => {
    const fn = (message: unknown) => events.push([name, message]);
    diagnosticsChannel.subscribe(name, fn);
    return () => diagnosticsChannel.unsubscribe(name, fn);
  });
  const traced = ["sockline:handler", "sockline:ack"].map((name) => {
    const phase = (p: string) => (context: unknown) => events.push([`${name}:${p}`, context]);
    const handlers = {
      start: phase("start"),
      end: phase("end"),
      asyncStart: phase("asyncStart"),
      asyncEnd: phase("asyncEnd"),
      error: phase("error"),
    };
    const channel = diagnosticsChannel.tracingChannel(name);
    channel.subscribe(handlers);
    return () => channel.unsubscribe(handlers);
  });
  return {
    events,
    stop: () => {
      for (const off of [...plain, ...traced]) off();
    },
  };
}

describe("tracing through node:diagnostics_channel", () => {
  let fx: Fixture;
  let recorder: ReturnType<typeof record> | undefined;
  before(async () => {
    fx = await new Fixture().start();
    fx.io.on("connection", (socket) => {
      socket.on("sync", (n: number, ack: (v: number) => void) => ack(n + 1));
      socket.on("slow", (ack: (v: string) => void) => {
        // a handler whose work goes on after it returns continues the span until it settles
        traceHandlerPromise(new Promise((resolve) => setTimeout(resolve, 20)).then(() => ack("done")));
      });
      socket.on("boom", () => {
        traceHandlerPromise(Promise.reject(new Error("async failure")));
      });
    });
  });
  after(() => {
    recorder?.stop();
    return fx.close();
  });

  it("publishes nothing while nobody subscribes", async () => {
    assert.equal(diagnosticsChannel.hasSubscribers("sockline:packet"), false);
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/", { transports: ["websocket"] });
    await once(client, "connect");
    assert.equal(await client.emitWithAck("sync", 1), 2);
    const gone = once(await serverSide, "disconnect");
    client.disconnect();
    await gone;
  });

  it("connection, packets in and out, handler spans (sync, async, failing), ack spans, disconnect", async () => {
    recorder = record();
    const { events } = recorder;
    const serverSide = once<Socket>(fx.io, "connection");
    const client = fx.client("/", { transports: ["websocket"] });
    await once(client, "connect");
    const socket = await serverSide;
    assert.equal(await client.emitWithAck("sync", 41), 42);
    assert.equal(await client.emitWithAck("slow"), "done");
    const boomed = once(socket, "boom");
    client.emit("boom");
    await boomed;
    client.on("ask", (ack: (v: string) => void) => ack("yes"));
    assert.equal(await socket.emitWithAck("ask"), "yes");
    client.on("mute", () => {});
    await assert.rejects(socket.timeout(30).emitWithAck("mute"), /timed out/);
    const gone = once(socket, "disconnect");
    client.disconnect();
    await gone;
    recorder.stop();

    const names = events.map(([name]) => name);
    // the connection, then its CONNECT in and out
    const connection = events.find(([name]) => name === "sockline:connection")![1] as { socket: Socket; nsp: string; recovered: boolean };
    assert.equal(connection.socket, socket);
    assert.equal(connection.nsp, "/");
    assert.equal(connection.recovered, false);
    const packets = events.filter(([name]) => name === "sockline:packet").map(([, m]) => m as PacketMessage);
    const summary = packets.map(
      (p) => `${p.direction} ${p.packet.type}${p.packet.data?.[0] !== undefined && p.packet.type === 2 ? ` ${p.packet.data[0]}` : ""}`,
    );
    assert.deepEqual(summary, [
      "in 0", // CONNECT
      "out 0",
      "in 2 sync",
      "out 3", // its ACK
      "in 2 slow",
      "out 3",
      "in 2 boom",
      "out 2 ask",
      "in 3",
      "out 2 mute",
      "in 1", // DISCONNECT
    ]);
    assert.equal(packets[0]!.socket, undefined, "no socket yet for the first CONNECT");
    assert.equal(packets[2]!.socket, socket);

    // handler spans: start/end pairs; the async ones end with asyncStart/asyncEnd after their work settled
    const handler = events
      .filter(([name]) => name.startsWith("sockline:handler"))
      .map(([name, c]) => `${name.slice(17)} ${(c as HandlerContext).event}`);
    assert.deepEqual(handler, [
      "start sync",
      "end sync",
      "start slow",
      "end slow",
      "asyncStart slow",
      "asyncEnd slow",
      "start boom",
      "end boom",
      "error boom",
      "asyncStart boom",
      "asyncEnd boom",
    ]);
    const boom = events.find(
      ([name, c]) => name === "sockline:handler:error" && (c as HandlerContext).event === "boom",
    )![1] as HandlerContext;
    assert.equal((boom.error as Error).message, "async failure");
    assert.equal(boom.async, true);
    const sync = events.find(([name]) => name === "sockline:handler:start")![1] as HandlerContext;
    assert.equal(sync.socket, socket);
    assert.equal(sync.args[0], 41);

    // ack spans: the answered one, then the timed-out one with its error
    const acks = events
      .filter(([name]) => name.startsWith("sockline:ack"))
      .map(([name, c]) => `${name.slice(13)} ${(c as AckContext).event}`);
    assert.deepEqual(acks, [
      "start ask",
      "end ask",
      "asyncStart ask",
      "asyncEnd ask",
      "start mute",
      "end mute",
      "error mute",
      "asyncStart mute",
      "asyncEnd mute",
    ]);
    const ask = events.find(([name]) => name === "sockline:ack:asyncEnd")![1] as AckContext;
    assert.deepEqual(ask.result, ["yes"]);
    const mute = events.find(([name]) => name === "sockline:ack:error")![1] as AckContext;
    assert.equal(mute.timeout, 30);
    assert.match((mute.error as Error).message, /timed out/);

    const disconnect = events.find(([name]) => name === "sockline:disconnect")![1] as { socket: Socket; reason: string };
    assert.equal(disconnect.socket, socket);
    assert.equal(disconnect.reason, "client namespace disconnect");
    assert.equal(names.filter((n) => n === "sockline:disconnect").length, 1);
  });
});
