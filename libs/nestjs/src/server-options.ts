import { isDeepStrictEqual } from 'node:util';
import type { GatewayEntry } from './gateway-registry.js';

/** Gateway options that select where a gateway goes rather than how its server behaves. */
const ROUTING_KEYS = new Set(['namespace', 'server']);

export class GatewayOptionsConflictError extends Error {
  constructor(
    readonly option: string,
    readonly gateways: [string, string],
    readonly server: string,
  ) {
    super(
      `Gateways ${gateways[0]} and ${gateways[1]} share the Socket.IO server ${server} but set different values for "${option}"; ` +
        `give them the same value (or set it on one only), or move one to another path or port`,
    );
    this.name = 'GatewayOptionsConflictError';
  }
}

export function serverOptionsOf(gateway: GatewayEntry): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(gateway.options)) {
    if (!ROUTING_KEYS.has(key) && value !== undefined) options[key] = value;
  }
  return options;
}

/**
 * Merges the server options of every gateway that shares one server. An option set by several
 * gateways must have deep-equal values (functions by identity), or the conflict is thrown.
 */
export function mergeGatewayServerOptions(gateways: readonly GatewayEntry[], server: string): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const setBy: Record<string, string> = {};
  for (const gateway of gateways) {
    for (const [key, value] of Object.entries(serverOptionsOf(gateway))) {
      if (!(key in merged)) {
        merged[key] = value;
        setBy[key] = gateway.metatype.name;
      } else if (!isDeepStrictEqual(merged[key], value)) {
        throw new GatewayOptionsConflictError(key, [setBy[key]!, gateway.metatype.name], server);
      }
    }
  }
  return merged;
}

/** The options of `later` that differ from what its shared server was created with. */
export function ignoredOptions(created: Record<string, unknown>, later: GatewayEntry): string[] {
  return Object.entries(serverOptionsOf(later))
    .filter(([key, value]) => !isDeepStrictEqual(created[key], value))
    .map(([key]) => key);
}
