import type { GatewayNamespaceLike, GatewaySocket } from './types.js';

/** Called once the gateway's namespace is wired, before `mountGateways` resolves. */
export interface OnGatewayInit<N = GatewayNamespaceLike> {
  afterInit(namespace: N): unknown;
}

/** Called for every connected socket; its events are held back until this settles. A throw disconnects the client. */
export interface OnGatewayConnection<S = GatewaySocket> {
  handleConnection(socket: S): unknown;
}

export interface OnGatewayDisconnect<S = GatewaySocket> {
  handleDisconnect(socket: S, reason: string): unknown;
}

type Hooks = Partial<OnGatewayInit<unknown> & OnGatewayConnection<unknown> & OnGatewayDisconnect<unknown>>;

export function lifecycleOf(instance: object): Hooks {
  const hooks = instance as Hooks;
  const bound: Hooks = {};
  if (typeof hooks.afterInit === 'function') bound.afterInit = hooks.afterInit.bind(instance);
  if (typeof hooks.handleConnection === 'function') bound.handleConnection = hooks.handleConnection.bind(instance);
  if (typeof hooks.handleDisconnect === 'function') bound.handleDisconnect = hooks.handleDisconnect.bind(instance);
  return bound;
}
