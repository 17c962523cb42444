/**
 * `@sockline/core/prometheus`: the server's figures (`io.metrics()`) as Prometheus metrics, through
 * `prom-client` (an optional peer dependency: only this entry point loads it, the core's other
 * entries never do). Each metric reads the snapshot in its `collect()`, so nothing runs between
 * scrapes; one snapshot serves every metric of a scrape.
 *
 * Handler timings (opt-in, `handlerTimings`) are a histogram fed by the `sockline:handler` tracing
 * channel: while it is off, nothing subscribes and the handlers are not timed at all.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import { Counter, Gauge, register as defaultRegistry, type Metric, type Registry } from "prom-client";
import type { MetricsSnapshot } from "../server/metrics.js";
import type { HandlerContext } from "../server/tracing.js";
import { HandlerDurations } from "./handler-durations.js";
import type { MetricsServer, PrometheusOptions, RegisteredMetrics } from "./prometheus-options.js";

export type { MetricsRegistry, MetricsServer, PrometheusOptions, RegisteredMetrics } from "./prometheus-options.js";

const DEFAULT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OTHER_EVENTS = "(other)";

/** Where a handler span's start time is kept: on its context object (one per span, gone with it). */
const STARTED = Symbol("sockline.prometheus.started");
type TimedContext = HandlerContext & { [STARTED]?: number | undefined };

/**
 * Registers the metrics of `io` on `options.registry` (default: prom-client's default registry).
 * Throws if a metric of the same name is registered there already (e.g. a second server with the
 * same prefix: give it another `prefix`, or its own registry).
 */
export function registerMetrics(io: MetricsServer, options: PrometheusOptions = {}): RegisteredMetrics {
  // a prom-client Registry (the option's type names only what Sockline uses of it)
  const registry = (options.registry as Registry | undefined) ?? defaultRegistry;
  const prefix = options.prefix ?? "socketio_";
  const registers = [registry];
  const names: string[] = [];

  // one snapshot per scrape: the registry calls every collect() in the same turn
  let cached: MetricsSnapshot | undefined;
  const snapshot = (): MetricsSnapshot => {
    if (cached === undefined) {
      cached = io.metrics();
      setImmediate(() => {
        cached = undefined;
      });
    }
    return cached;
  };

  /** A gauge, or a counter (`_total`), whose values `read` sets from the snapshot at each scrape. */
  const metric: DefineMetric = <L extends string>(
    kind: "gauge" | "counter",
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (m: MetricsSnapshot, set: (labels: Partial<Record<L, string>>, value: number) => void) => void,
  ): void => {
    const config = { name: prefix + name, help, labelNames, registers };
    if (kind === "gauge")
      new Gauge<L>({
        ...config,
        collect() {
          this.reset();
          read(snapshot(), (labels, value) => this.set(labels, value));
        },
      });
    else
      new Counter<L>({
        ...config,
        collect() {
          // counters are monotonic in the core: the snapshot's value is the counter's
          this.reset();
          read(snapshot(), (labels, value) => this.inc(labels, value));
        },
      });
    names.push(config.name);
  };

  // a name already taken on the registry throws: take back what this call registered, then rethrow
  let stopTimings: (() => void) | undefined;
  try {
    registerAll(metric);
    if (options.handlerTimings) {
      stopTimings = timeHandlers(io, registry, prefix, options.handlerTimings);
      names.push(`${prefix}handler_duration_seconds`);
    }
  } catch (error) {
    for (const name of names) registry.removeSingleMetric(name);
    throw error;
  }
  return {
    registry,
    stop() {
      stopTimings?.();
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

/** Registers one metric: a gauge or a counter whose values `read` sets from the snapshot at each scrape. */
type DefineMetric = <L extends string>(
  kind: "gauge" | "counter",
  name: string,
  help: string,
  labelNames: readonly L[],
  read: (m: MetricsSnapshot, set: (labels: Partial<Record<L, string>>, value: number) => void) => void,
) => void;

/** Every metric of the snapshot, with its conventional name and labels. */
function registerAll(metric: DefineMetric): void {
  const none: readonly never[] = [];
  metric("gauge", "connected_clients", "Sockets connected now, by namespace and transport", ["namespace", "transport"], (m, set) => {
    for (const [namespace, nsp] of Object.entries(m.namespaces)) {
      for (const [transport, count] of Object.entries(nsp.transports)) set({ namespace, transport }, count);
    }
  });
  metric("gauge", "engine_connections", "Engine.IO sessions open now, by transport", ["transport"], (m, set) => {
    if (m.engine === undefined) return;
    set({ transport: "polling" }, m.engine.connected.polling);
    set({ transport: "websocket" }, m.engine.connected.websocket);
  });
  metric("counter", "handshakes_total", "Engine.IO sessions opened, by the transport they opened on", ["transport"], (m, set) => {
    if (m.engine === undefined) return;
    set({ transport: "polling" }, m.engine.handshakes.polling);
    set({ transport: "websocket" }, m.engine.handshakes.websocket);
  });
  metric("counter", "upgrades_total", "Sessions upgraded from polling to WebSocket", none, (m, set) => set({}, m.engine?.upgrades ?? 0));
  metric(
    "counter",
    "connection_errors_total",
    "Requests the engine refused (failed handshakes, unknown sessions...), by Engine.IO error code",
    ["code"],
    (m, set) => {
      for (const [code, count] of Object.entries(m.engine?.connectionErrors ?? {})) set({ code }, count);
    },
  );
  metric("counter", "engine_closes_total", "Engine.IO sessions closed, by close reason", ["reason"], (m, set) => {
    for (const [reason, count] of Object.entries(m.engine?.closes ?? {})) set({ reason }, count);
  });
  metric("counter", "disconnects_total", "Sockets disconnected, by reason", ["reason"], (m, set) => {
    for (const [reason, count] of Object.entries(m.disconnects)) set({ reason }, count);
  });
  metric("counter", "packets_received_total", "Socket.IO packets received, by type", ["type"], (m, set) => {
    for (const [type, count] of Object.entries(m.packets.in)) set({ type }, count);
  });
  metric(
    "counter",
    "packets_sent_total",
    "Socket.IO packets written, by type (a broadcast counts one per recipient)",
    ["type"],
    (m, set) => {
      for (const [type, count] of Object.entries(m.packets.out)) set({ type }, count);
    },
  );
  metric("counter", "messages_received_total", "Engine.IO messages received", none, (m, set) => set({}, m.engine?.messages.in ?? 0));
  metric("counter", "messages_sent_total", "Engine.IO messages sent", none, (m, set) => set({}, m.engine?.messages.out ?? 0));
  metric("counter", "received_bytes_total", "Bytes of the Engine.IO messages received", none, (m, set) => set({}, m.engine?.bytes.in ?? 0));
  metric("counter", "sent_bytes_total", "Bytes of the Engine.IO messages sent", none, (m, set) => set({}, m.engine?.bytes.out ?? 0));
  metric("counter", "broadcasts_total", "Broadcasts written by this node's adapters", none, (m, set) => set({}, m.broadcasts));
  metric("counter", "broadcast_deliveries_total", "Copies of broadcasts written", none, (m, set) => set({}, m.deliveries));
  metric("counter", "acks_sent_total", "Acknowledgements asked of clients", none, (m, set) => set({}, m.acks.sent));
  metric("counter", "acks_answered_total", "Acknowledgements answered by clients", none, (m, set) => set({}, m.acks.answered));
  metric("counter", "acks_timed_out_total", "Acknowledgements not answered in time", none, (m, set) => set({}, m.acks.timedOut));
  metric("gauge", "acks_pending", "Acknowledgements awaited now", none, (m, set) => set({}, m.acks.pending));
  metric("counter", "recovery_attempts_total", "CONNECTs that asked to recover a session", none, (m, set) => set({}, m.recovery.attempts));
  metric("counter", "recovery_successes_total", "Sessions recovered", none, (m, set) => set({}, m.recovery.successes));
  metric("counter", "limit_hits_total", "Limits reached, by limit (see io.diagnostics)", ["limit"], (m, set) => {
    for (const [limit, count] of Object.entries(m.limits)) set({ limit }, count);
  });
  metric("counter", "protocol_violations_total", "Protocol violations, by name (see io.diagnostics)", ["violation"], (m, set) => {
    for (const [violation, count] of Object.entries(m.violations)) set({ violation }, count);
  });
  metric(
    "counter",
    "routing_failures_total",
    "Requests of sessions other nodes own that could not be forwarded, by reason (see io.diagnostics)",
    ["reason"],
    (m, set) => {
      for (const [reason, count] of Object.entries(m.routingFailures)) set({ reason }, count);
    },
  );
  metric("counter", "adapter_requests_total", "Requests the adapter sent to other nodes", ["namespace"], (m, set) => {
    for (const [namespace, figures] of Object.entries(m.adapters))
      if (typeof figures.requests === "number") set({ namespace }, figures.requests);
  });
  metric("counter", "adapter_timeouts_total", "Adapter requests that failed or timed out", ["namespace"], (m, set) => {
    for (const [namespace, figures] of Object.entries(m.adapters))
      if (typeof figures.timeouts === "number") set({ namespace }, figures.timeouts);
  });
  metric(
    "gauge",
    "adapter_reachable",
    "1 while the adapter's backend (Redis) is reachable, 0 during an outage",
    ["namespace"],
    (m, set) => {
      for (const [namespace, figures] of Object.entries(m.adapters)) {
        if (typeof figures.reachable === "boolean") set({ namespace }, figures.reachable ? 1 : 0);
      }
    },
  );
}

/** Subscribes to `sockline:handler` and feeds a histogram; returns the unsubscribe. */
function timeHandlers(
  io: MetricsServer,
  registry: Registry,
  prefix: string,
  settings: true | { buckets?: number[]; maxEvents?: number },
): () => void {
  const { buckets = DEFAULT_BUCKETS, maxEvents = 100 } = settings === true ? {} : settings;
  const histogram = new HandlerDurations(
    `${prefix}handler_duration_seconds`,
    "Duration of event handlers, from the event's arrival at its listeners to the end of their work (guards and validation included)",
    [...buckets].sort((a, b) => a - b),
  );
  // a metric object of our own (see handler-durations.ts): the registry formats what its get() returns
  registry.registerMetric(histogram as unknown as Metric);
  const seenEvents = new Set<string>();
  const ours = (context: HandlerContext) => (context.socket as { server?: unknown }).server === io;
  const observe = (context: TimedContext) => {
    const start = context[STARTED];
    if (start === undefined) return;
    context[STARTED] = undefined;
    let event = context.event as string;
    if (!seenEvents.has(event)) {
      if (seenEvents.size >= maxEvents) event = OTHER_EVENTS;
      else seenEvents.add(event);
    }
    histogram.observe(context.nsp, event, (performance.now() - start) / 1000);
  };
  const subscribers = {
    start(context: TimedContext) {
      // timed: events of this server that have a listener (client-made names without one are not labels)
      if (!ours(context) || typeof context.event !== "string") return;
      const socket = context.socket as { listenerCount?(event: string): number };
      if ((socket.listenerCount?.(context.event) ?? 0) === 0) return;
      context[STARTED] = performance.now();
    },
    end(context: TimedContext) {
      if (!context.async) observe(context);
    },
    asyncStart() {},
    asyncEnd(context: TimedContext) {
      observe(context);
    },
    error() {},
  };
  const channel = diagnosticsChannel.tracingChannel<unknown, HandlerContext>("sockline:handler");
  channel.subscribe(subscribers);
  return () => channel.unsubscribe(subscribers);
}
