/**
 * `@sockline/core/cluster`: Sockline on the cores of one machine without sticky sessions. The
 * primary calls `setupPrimary()`; each worker passes `clusterRouter()` as the `sessionRouter` option
 * of its server. Workers share one port with Node's default round-robin scheduling: a request of a
 * session another worker owns is forwarded to it (see `docs/session-routing.md`).
 */
export { clusterRouter, workerNodeId, type ClusterRouterOptions } from "./router.js";
export { setupPrimary, type ClusterPrimary, type ClusterPrimaryOptions } from "./primary.js";
