export { sockline, sockline as default, socklineReady, attachUpgrades, type SocklineExpressOptions } from "./mount.js";
export { expressRequest } from "./request.js";
export type { GatewayClass, GatewayEntry, GatewayFactory } from "@sockline/core/integration";
