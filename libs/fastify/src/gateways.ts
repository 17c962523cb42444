import type { Server } from "@sockline/core";

/** A gateway class (instantiated by `gatewayFactory` or `new`) or an already built instance. */
export type GatewayClass = abstract new (...args: any[]) => object;
export type GatewayEntry = GatewayClass | object;
export type GatewayFactory = (gatewayClass: GatewayClass) => object;

interface GatewayModule {
  mountGateways(io: Server<any, any, any, any>, gateways: readonly GatewayEntry[], options: { factory?: GatewayFactory }): Promise<void>;
}

// Held in a variable so that neither tsc nor a bundler resolves it at build time: the gateway
// package is an optional peer and must only be loaded when the `gateways` option is used.
const GATEWAY_PACKAGE = "@sockline/gateway";

/** Wires the given gateways into `io` through `@sockline/gateway`, loaded on demand. */
export async function mountGatewaysFromPackage(
  io: Server<any, any, any, any>,
  gateways: readonly GatewayEntry[],
  factory: GatewayFactory | undefined,
): Promise<void> {
  let gatewayModule: Partial<GatewayModule>;
  try {
    gatewayModule = (await import(GATEWAY_PACKAGE)) as Partial<GatewayModule>;
  } catch (cause) {
    throw new Error(
      `@sockline/fastify: the "gateways" option needs the optional peer dependency "${GATEWAY_PACKAGE}", which could not be loaded (install it next to @sockline/fastify)`,
      { cause },
    );
  }
  if (typeof gatewayModule.mountGateways !== "function") {
    throw new Error(`@sockline/fastify: "${GATEWAY_PACKAGE}" was loaded but does not export mountGateways(); update it to a version that does`);
  }
  await gatewayModule.mountGateways(io, gateways, { factory });
}
