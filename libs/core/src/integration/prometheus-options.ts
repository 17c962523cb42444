/**
 * The types of the Prometheus export. Kept apart from `prometheus.ts`, which loads `prom-client`
 * (an optional peer): `@sockline/core/integration` and the mounts name these whether or not it is
 * installed.
 */
import type { MetricsSnapshot } from "../server/metrics.js";

/** The part of a prom-client `Registry` Sockline uses (prom-client's `Registry` is one). */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
  removeSingleMetric(name: string): void;
}

export interface PrometheusOptions {
  /**
   * Where the metrics are registered: a prom-client `Registry`. Default: prom-client's default
   * registry (`register`), the one `@willsoto/nestjs-prometheus` and most setups expose.
   */
  registry?: MetricsRegistry;
  /** Prefix of every metric name. Default "socketio_". */
  prefix?: string;
  /**
   * A histogram of handler durations by namespace and event (`<prefix>handler_duration_seconds`),
   * from the start of an event's listeners to the end of their work (a gateway's guards,
   * validation and handler included). Off by default. Only events with a listener are timed; past
   * `maxEvents` distinct names (default 100) the others share the label `(other)`, so a client
   * sending made-up event names cannot grow the label set.
   */
  handlerTimings?: boolean | { buckets?: number[]; maxEvents?: number };
}

/** The `metrics` option of the Fastify plugin and the Express mount. */
export interface MetricsRouteOptions extends PrometheusOptions {
  /** The route that serves the registry in the Prometheus text format, e.g. "/metrics". */
  route: string;
}

/** What `registerMetrics` reads: a Sockline server (anything with `metrics()`). */
export interface MetricsServer {
  metrics(): MetricsSnapshot;
}

export interface RegisteredMetrics {
  readonly registry: MetricsRegistry;
  /** Removes the metrics from the registry and stops timing handlers. */
  stop(): void;
}
