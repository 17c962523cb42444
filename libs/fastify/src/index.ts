export { socklinePlugin, socklinePlugin as default, type SocklineFastifyOptions } from "./plugin.js";
/** The same plugin under the name Socket.IO users look for: `app.register(socketioPlugin)`. */
export { socklinePlugin as socketioPlugin } from "./plugin.js";
export type { FastifySocklineServer, SocklineFastifyTypes } from "./types.js";
export type { GatewayClass, GatewayEntry, GatewayFactory } from "@sockline/core/integration";
