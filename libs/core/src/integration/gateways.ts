/**
 * The on-demand loader of `@sockline/gateway`, an optional peer of the framework plugins: it is
 * loaded (by dynamic import, never statically: the core does not depend on it) only when a plugin
 * is given gateways to wire.
 */
import type { Server } from "../server/index.js";

/** A gateway class (instantiated by `factory` or `new`) or an already built instance. */
export type GatewayClass = abstract new (...args: any[]) => object;
export type GatewayEntry = GatewayClass | object;
export type GatewayFactory = (gatewayClass: GatewayClass) => object;

export interface MountGatewaysOptions {
  /** Builds gateway instances from their classes (e.g. from a DI container); default `new`. */
  factory?: GatewayFactory;
  /** The package asking, named in the error when the gateway package is missing, e.g. `@sockline/fastify`. */
  requiredBy: string;
}

interface GatewayModule {
  mountGateways(io: Server<any, any, any, any>, gateways: readonly GatewayEntry[], options: { factory?: GatewayFactory }): Promise<void>;
}

// Held in a variable so that neither tsc nor a bundler resolves it at build time.
const GATEWAY_PACKAGE = "@sockline/gateway";

/** Wires `gateways` into `io` through `@sockline/gateway`, loaded on demand. */
export async function mountGatewaysOnDemand(
  io: Server<any, any, any, any>,
  gateways: readonly GatewayEntry[],
  options: MountGatewaysOptions,
): Promise<void> {
  const { requiredBy, factory } = options;
  let gatewayModule: Partial<GatewayModule>;
  try {
    gatewayModule = (await import(GATEWAY_PACKAGE)) as Partial<GatewayModule>;
  } catch (cause) {
    throw new Error(
      `${requiredBy}: the "gateways" option needs the optional peer dependency "${GATEWAY_PACKAGE}", which could not be loaded (install it next to ${requiredBy})`,
      { cause },
    );
  }
  if (typeof gatewayModule.mountGateways !== "function") {
    throw new Error(`${requiredBy}: "${GATEWAY_PACKAGE}" was loaded but does not export mountGateways(); update it to a version that does`);
  }
  await gatewayModule.mountGateways(io, gateways, { factory });
}
