// @sockline/core/prometheus: io.metrics() as prom-client metrics, read in the Prometheus text format.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Gauge, Registry, register as defaultRegistry } from "prom-client";
import type { Socket } from "@sockline/core";
import { registerMetrics, type RegisteredMetrics } from "@sockline/core/prometheus";
import { Fixture, once } from "../server/helpers.js";

/** The value of one sample of the text format, e.g. `socketio_upgrades_total`, or undefined. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("Prometheus metrics through prom-client", () => {
  let fx: Fixture;
  let registry: Registry;
  let registered: RegisteredMetrics;
  before(async () => {
    fx = await new Fixture({ maxPayloadDepth: 4 }).start();
    registry = new Registry();
    registered = registerMetrics(fx.io, { registry, handlerTimings: { maxEvents: 2 } });
    fx.io.on("connection", (socket) => {
      for (const event of ["echo", "second", "third"]) socket.on(event, (v: unknown, ack: (v: unknown) => void) => ack(v));
    });
  });
  after(() => {
    registered.stop();
    return fx.close();
  });

  it("exposes the snapshot with conventional names and labels", async () => {
    const a = fx.client("/", { transports: ["websocket"] });
    const b = fx.client("/", { transports: ["polling"] });
    await Promise.all([once(a, "connect"), once(b, "connect")]);
    for (let i = 0; i < 3; i++) await a.emitWithAck("echo", i);
    await a.emitWithAck("second", 1);
    await a.emitWithAck("third", 1); // past maxEvents: labelled (other)
    a.emit("made-up-by-the-client", 1); // no listener: not timed, no label
    await a.emitWithAck("echo", "last");
    let text = await registry.metrics();
    assert.equal(sample(text, "socketio_connected_clients", 'namespace="/",transport="websocket"'), 1);
    assert.equal(sample(text, "socketio_connected_clients", 'namespace="/",transport="polling"'), 1);
    assert.equal(sample(text, "socketio_engine_connections", 'transport="websocket"'), 1);
    assert.equal(sample(text, "socketio_handshakes_total", 'transport="polling"'), 1);
    assert.equal(sample(text, "socketio_packets_received_total", 'type="EVENT"'), 7);
    assert.equal(sample(text, "socketio_packets_sent_total", 'type="ACK"'), 6);
    assert.match(text, /# TYPE socketio_disconnects_total counter/);
    assert.match(text, /# TYPE socketio_connected_clients gauge/);
    assert.equal(sample(text, "socketio_handler_duration_seconds_count", 'namespace="/",event="echo"'), 4);
    assert.match(text, /^# TYPE socketio_handler_duration_seconds histogram$/m);
    // cumulative buckets, the last (+Inf) holding every observation, and a positive sum
    const buckets = text.split("\n").filter((l) => l.startsWith('socketio_handler_duration_seconds_bucket{namespace="/",event="echo"'));
    assert.equal(buckets.length, 13);
    const counts = buckets.map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));
    assert.deepEqual(
      [...counts].sort((x, y) => x - y),
      counts,
      "cumulative",
    );
    assert.match(buckets.at(-1)!, /le="\+Inf"\} 4$/);
    const sum = sample(text, "socketio_handler_duration_seconds_sum", 'namespace="/",event="echo"')!;
    assert.ok(sum > 0, `sum ${sum}`);
    assert.equal(sample(text, "socketio_handler_duration_seconds_count", 'namespace="/",event="second"'), 1);
    assert.equal(sample(text, "socketio_handler_duration_seconds_count", 'namespace="/",event="(other)"'), 1);
    assert.doesNotMatch(text, /made-up-by-the-client/);

    const [serverA] = [...fx.io.sockets.sockets.values()].filter((s: Socket) => s.id === a.id);
    const gone = once(serverA!, "disconnect");
    a.disconnect();
    await gone;
    const deep = fx.client("/", { transports: ["websocket"] });
    await once(deep, "connect");
    const closed = once(deep, "disconnect");
    deep.emit("echo", [[[[[1]]]]]);
    await closed;
    text = await registry.metrics();
    assert.equal(sample(text, "socketio_disconnects_total", 'reason="client namespace disconnect"'), 1);
    assert.equal(sample(text, "socketio_limit_hits_total", 'limit="maxPayloadDepth"'), 1);
    assert.equal(sample(text, "socketio_upgrades_total"), 0);
    assert.ok(sample(text, "socketio_received_bytes_total")! > 0);
    b.disconnect();
  });

  it("registers on prom-client's default registry by default, and stop() removes everything", async () => {
    const io = new Fixture();
    const own = registerMetrics(io.io, { prefix: "second_io_" });
    try {
      assert.equal(own.registry, defaultRegistry);
      assert.match(await defaultRegistry.metrics(), /^second_io_upgrades_total 0$/m);
      assert.throws(() => registerMetrics(io.io, { prefix: "second_io_" }), /already been registered/);
    } finally {
      own.stop();
      await io.close();
    }
    assert.doesNotMatch(await defaultRegistry.metrics(), /second_io_/);
  });

  it("a name already taken on the registry: throws, and leaves the registry as it was", async () => {
    const own = new Registry();
    new Gauge({ name: "app_upgrades_total", help: "the application's own", registers: [own] });
    assert.throws(() => registerMetrics(fx.io, { registry: own, prefix: "app_" }), /app_upgrades_total has already been registered/);
    assert.deepEqual(
      own.getMetricsAsArray().map((m) => m.name),
      ["app_upgrades_total"],
    );
  });
});
