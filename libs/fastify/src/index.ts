export { socketioPlugin, socketioPlugin as default, socklinePlugin, type SocklineFastifyOptions } from "./plugin.js";
export type { FastifySocklineServer, SocklineFastifyTypes } from "./types.js";
export type { GatewayClass, GatewayEntry, GatewayFactory } from "@sockline/core/integration";
