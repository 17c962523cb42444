// @sockline/e2e/support: test fixtures shared by the workspace's suites (only what several need).
export * from "./events.js";
export * from "./net.js";
export * from "./redis-server.js";
export * from "./clients.js";
export * from "./engine-io.js";
export * from "./http.js";
export * from "./gateways.js";
export * from "./gc.js";
export * from "./acks.js";
export * from "./stalled-websocket.js";
export * from "./hidden-package.js";
export * from "./type-tests.js";
export * from "./round-robin-proxy.js";
export * from "./in-process-router.js";
export * from "./routed-clients.js";
export * from "./child-rpc.js";
