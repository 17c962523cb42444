/**
 * The chat's `/metrics`: the Socket.IO server's figures in the Prometheus text format (see
 * `@sockline/core/prometheus`), handler timings included. Each app gets a registry of its own, so
 * several chats in one process (the tests start one per framework) do not collide on the names.
 */
import { Registry } from "prom-client";
import type { MetricsRouteOptions } from "@sockline/core/integration";

export const METRICS_ROUTE = "/metrics";

/** The `metrics` option of the Fastify plugin and of the Express mount. */
export function chatMetricsOptions(): MetricsRouteOptions {
  return { route: METRICS_ROUTE, registry: new Registry(), handlerTimings: true };
}
