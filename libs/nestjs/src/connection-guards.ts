import type { CanActivate } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { WsException } from '@nestjs/websockets';
import { isObservable, lastValueFrom } from 'rxjs';
import { connectionMiddleware, type GatewaySocket, type NamespaceMiddleware } from '@sockline/gateway';
import { NEST_ERROR_DESCRIBERS } from './errors.js';
import type { GatewayEntry } from './gateway-registry.js';

/** Nest's own message for a guard that returned false. */
const FORBIDDEN_MESSAGE = 'Forbidden resource';

type GuardToken = CanActivate | (new (...args: any[]) => CanActivate);

function instantiateGuard(token: GuardToken, gateway: GatewayEntry): CanActivate {
  if (typeof token !== 'function') return token;
  // Guards named in @UseGuards are registered as injectables of the gateway's module, so Nest
  // has already built them with their dependencies.
  const injected = gateway.injectables.get(token)?.instance as CanActivate | undefined;
  return injected && typeof injected.canActivate === 'function' ? injected : new token();
}

/** The guards that apply at connection: on the gateway class and on its `handleConnection`. */
export function connectionGuardsOf(gateway: GatewayEntry): CanActivate[] {
  const onClass: GuardToken[] = Reflect.getMetadata(GUARDS_METADATA, gateway.metatype) ?? [];
  const hook = (gateway.metatype.prototype as { handleConnection?: Function }).handleConnection;
  const onHook: GuardToken[] = hook ? (Reflect.getMetadata(GUARDS_METADATA, hook) ?? []) : [];
  return [...onClass, ...onHook].map(token => instantiateGuard(token, gateway));
}

/**
 * Runs a gateway's guards as namespace middleware. Guards see a `ws` execution context whose
 * client is the connecting socket, whose data is `handshake.auth` and whose pattern is
 * `connection`, so one guard can serve both at connection and per event.
 */
export function connectionGuardMiddleware(gateways: readonly GatewayEntry[]): NamespaceMiddleware | undefined {
  const checks = gateways.flatMap(gateway => connectionGuardsOf(gateway).map(guard => ({ guard, gateway })));
  if (checks.length === 0) return undefined;
  return connectionMiddleware(async (socket: GatewaySocket) => {
    for (const { guard, gateway } of checks) {
      const handler = (gateway.instance as { handleConnection?: Function }).handleConnection ?? gateway.metatype;
      const context = new ExecutionContextHost([socket, socket.handshake.auth, 'connection'], gateway.metatype, handler);
      context.setType('ws');
      const verdict = guard.canActivate(context);
      const allowed = isObservable(verdict) ? await lastValueFrom(verdict) : await verdict;
      if (!allowed) throw new WsException(FORBIDDEN_MESSAGE);
    }
  }, NEST_ERROR_DESCRIBERS);
}
