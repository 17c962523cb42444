/**
 * `@sockline/core/integration`: the framework-neutral pieces the framework plugins
 * (`@sockline/fastify`, `@sockline/express`, ...) are made of. A plugin routes the engine path to
 * `io.handleRequest()`; for websocket upgrades it
 *
 * 1. routes the HTTP server's `upgrade` events with `routeUpgrades(server, route)`: each matching
 *    upgrade becomes a `PendingUpgrade` and is dispatched through the framework with a stand-in
 *    `ServerResponse`, so middleware and hooks run for it (a refusal goes straight to the socket;
 *    a request stuck in them is answered 408 after `upgradeTimeout`, and past `maxPendingUpgrades`
 *    held at once a new one is answered 503);
 * 2. in the framework route of the engine path, calls `handOverUpgrade(io, req, headers?)`, which
 *    hands the socket to the engine with the headers set on the way added to the 101 answer.
 */
export { resolveEnginePath, matchesEnginePath, DEFAULT_ENGINE_PATH } from "./engine-path.js";
export type { EnginePath, EnginePathOptions } from "./engine-path.js";
export {
  PendingUpgrade,
  beginPendingUpgrade,
  pendingUpgradeOf,
  isUpgradeRequest,
  handOverUpgrade,
  DEFAULT_UPGRADE_TIMEOUT,
} from "./pending-upgrades.js";
export type { PendingUpgradeOptions, UpgradeTarget, HandshakeHeaders } from "./pending-upgrades.js";
export type { UpgradeState } from "../engine/upgrade-response.js";
export { routeUpgrades, isRoutingUpgrades, DEFAULT_MAX_PENDING_UPGRADES } from "./upgrade-router.js";
export type { UpgradeRoute, UpgradeProblem } from "./upgrade-router.js";
export { mountGatewaysOnDemand, GATEWAY_PACKAGE } from "./gateways.js";
export type { GatewayClass, GatewayEntry, GatewayFactory, GatewayPackage, MountGatewaysOptions } from "./gateways.js";
export { logDiagnostics, formatDiagnostic, RateLimitedWarn } from "./diagnostic-log.js";
export { registerMetricsOnDemand } from "./metrics-export.js";
export type { MetricsRegistry, MetricsRouteOptions, MetricsServer, PrometheusOptions, RegisteredMetrics } from "./prometheus-options.js";
export type { DiagnosticWarn, DiagnosticsSuppressed, DiagnosticLogOptions } from "./diagnostic-log.js";
