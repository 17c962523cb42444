/**
 * The loader the framework mounts use for their `metrics` option: `prometheus.ts` (and so
 * `prom-client`, an optional peer) is loaded only when metrics are asked for.
 */
import type { MetricsServer, PrometheusOptions, RegisteredMetrics } from "./prometheus-options.js";

/**
 * Registers the metrics of `io` (see `@sockline/core/prometheus`), loading `prom-client` now. For
 * the mounts' `metrics` option; rejects with an error that says what to install when it is missing.
 */
export async function registerMetricsOnDemand(
  io: MetricsServer,
  options: PrometheusOptions,
  requiredBy: string,
): Promise<RegisteredMetrics> {
  let prometheus: typeof import("./prometheus.js");
  try {
    prometheus = await import("./prometheus.js");
  } catch (error) {
    throw new Error(`${requiredBy}: the metrics option needs prom-client (npm install prom-client)`, { cause: error });
  }
  return prometheus.registerMetrics(io, options);
}
