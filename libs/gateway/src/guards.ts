import { ForbiddenError } from './errors.js';
import type { Constructor, GatewaySocket } from './types.js';

/** What a guard sees: the socket, and for per-event guards the event and its payload. */
export interface GuardContext<S extends GatewaySocket = GatewaySocket> {
  socket: S;
  /** `undefined` for class guards, which run at connection (and when a session is recovered: see `socket.recovered`). */
  event: string | undefined;
  payload: unknown;
  gateway: object;
}

export interface CanActivate<S extends GatewaySocket = GatewaySocket> {
  canActivate(context: GuardContext<S>): boolean | Promise<boolean>;
}

export type GuardFunction<S extends GatewaySocket = GatewaySocket> = (context: GuardContext<S>) => boolean | Promise<boolean>;

/** A guard instance, a guard function, or a guard class with a no-argument constructor. */
export type GuardLike = CanActivate<any> | GuardFunction<any> | Constructor<CanActivate<any>>;

/** A guard class (built once, through the factory), as opposed to a guard function or instance. */
export function isGuardClass(guard: GuardLike): guard is Constructor<CanActivate> {
  return typeof guard === 'function' && typeof guard.prototype?.canActivate === 'function';
}

/** Instantiates guard classes once, at compile time, through the user's factory if any. */
export function resolveGuard(guard: GuardLike, factory?: (cls: Constructor) => object): GuardFunction {
  if (isGuardClass(guard)) {
    const instance = (factory ? factory(guard) : new guard()) as CanActivate;
    return context => instance.canActivate(context);
  }
  if (typeof guard === 'function') return guard as GuardFunction;
  return context => guard.canActivate(context);
}

/** Runs guards in order; the first that returns false refuses with `ForbiddenError`. */
export async function runGuards(guards: readonly GuardFunction[], context: GuardContext): Promise<void> {
  for (const guard of guards) {
    if (!(await guard(context))) throw new ForbiddenError();
  }
}
