/**
 * Gateway mounting for the framework plugins' `gateways` option, written once. The core loads no
 * other package: the plugin that offers the option hands over how to load `@sockline/gateway`, its
 * optional peer (its own `import("@sockline/gateway")`), and this module calls that loader only
 * when there are gateways to wire, checks what it got and, when the package is missing, says which
 * plugin needs it.
 */
import type { Server } from "../server/index.js";

/** A gateway class (instantiated by `factory` or `new`) or an already built instance. */
export type GatewayClass = abstract new (...args: any[]) => object;
export type GatewayEntry = GatewayClass | object;
export type GatewayFactory = (gatewayClass: GatewayClass) => object;

/** What the plugins need of `@sockline/gateway`. */
export interface GatewayPackage {
  mountGateways(io: Server<any, any, any, any>, gateways: readonly GatewayEntry[], options: { factory?: GatewayFactory }): Promise<void>;
}

export interface MountGatewaysOptions {
  /** Loads `@sockline/gateway`: the plugin's own `() => import("@sockline/gateway")`. */
  load: () => Promise<Partial<GatewayPackage>>;
  /** Builds gateway instances from their classes (e.g. from a DI container); default `new`. */
  factory?: GatewayFactory;
  /** The package asking, named in the error when the gateway package is missing, e.g. `@sockline/fastify`. */
  requiredBy: string;
}

/** The package `load` is expected to load, named in the errors. */
export const GATEWAY_PACKAGE = "@sockline/gateway";

/** Wires `gateways` into `io` through `@sockline/gateway`, loaded on demand by `options.load`. */
export async function mountGatewaysOnDemand(
  io: Server<any, any, any, any>,
  gateways: readonly GatewayEntry[],
  options: MountGatewaysOptions,
): Promise<void> {
  const { load, requiredBy, factory } = options;
  let gatewayPackage: Partial<GatewayPackage>;
  try {
    gatewayPackage = await load();
  } catch (cause) {
    throw new Error(
      `${requiredBy}: the "gateways" option needs the optional peer dependency "${GATEWAY_PACKAGE}", which could not be loaded (install it next to ${requiredBy})`,
      { cause },
    );
  }
  if (typeof gatewayPackage.mountGateways !== "function") {
    throw new Error(`${requiredBy}: "${GATEWAY_PACKAGE}" was loaded but does not export mountGateways(); update it to a version that does`);
  }
  await gatewayPackage.mountGateways(io, gateways, { factory });
}
