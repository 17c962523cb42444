import type { GuardLike } from './guards.js';
import type { PayloadValidationOptions } from './validation.js';
import type { Constructor } from './types.js';

/**
 * Where the decorators record what they saw. Everything is stored with reflect-metadata on the
 * class (or its prototype) under keys private to this package, and read back only by `compile`.
 */
const GATEWAY_KEY = Symbol.for('sockline:gateway');
const HANDLERS_KEY = Symbol.for('sockline:gateway:handlers');
const PARAMS_KEY = Symbol.for('sockline:gateway:params');
const GUARDS_KEY = Symbol.for('sockline:gateway:guards');
const NAMESPACE_PROPS_KEY = Symbol.for('sockline:gateway:namespace-properties');

export interface GatewayOptions {
  /** The namespace the gateway serves: a name (`/chat`) or a RegExp for dynamic namespaces. Default `/`. */
  namespace?: string | RegExp;
  /** Payload validation for every handler of the gateway (handlers may override). */
  validation?: PayloadValidationOptions;
  /**
   * Run the class guards again when a client's session is restored by connection state recovery
   * (which skips namespace middleware): a token may have expired or been revoked while the client
   * was away. Default true; false restores recovered sessions without asking the guards.
   */
  guardsOnRecovery?: boolean;
}

export interface HandlerOptions {
  validation?: PayloadValidationOptions;
}

export interface HandlerMetadata {
  event: string;
  methodName: string | symbol;
  options: HandlerOptions;
}

export type ParamKind = 'payload' | 'socket' | 'ack';

export interface ParamMetadata {
  index: number;
  kind: ParamKind;
  /** For `payload`: the DTO to validate against, when not the parameter's declared type. */
  dto?: Constructor;
}

type Target = object;

function ownList<T>(key: symbol, target: Target, property?: string | symbol): T[] {
  const existing: T[] | undefined =
    property === undefined ? Reflect.getOwnMetadata(key, target) : Reflect.getOwnMetadata(key, target, property);
  if (existing) return existing;
  const created: T[] = [];
  if (property === undefined) Reflect.defineMetadata(key, created, target);
  else Reflect.defineMetadata(key, created, target, property);
  return created;
}

export function setGatewayOptions(cls: Constructor, options: GatewayOptions): void {
  Reflect.defineMetadata(GATEWAY_KEY, options, cls);
}

export function getGatewayOptions(cls: Function): GatewayOptions | undefined {
  return Reflect.getMetadata(GATEWAY_KEY, cls);
}

export function addHandler(prototype: Target, handler: HandlerMetadata): void {
  ownList<HandlerMetadata>(HANDLERS_KEY, prototype).push(handler);
}

/** Handlers of the class and its ancestors (a subclass may add handlers to an inherited gateway). */
export function getHandlers(prototype: Target): HandlerMetadata[] {
  const chain: HandlerMetadata[] = [];
  for (let p: Target | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const own: HandlerMetadata[] | undefined = Reflect.getOwnMetadata(HANDLERS_KEY, p);
    if (own) chain.push(...own.filter(h => !chain.some(c => c.methodName === h.methodName)));
  }
  return chain;
}

export function addParam(prototype: Target, methodName: string | symbol, param: ParamMetadata): void {
  ownList<ParamMetadata>(PARAMS_KEY, prototype, methodName).push(param);
}

export function getParams(prototype: Target, methodName: string | symbol): ParamMetadata[] {
  return Reflect.getMetadata(PARAMS_KEY, prototype, methodName) ?? [];
}

export function getParamTypes(prototype: Target, methodName: string | symbol): unknown[] {
  return Reflect.getMetadata('design:paramtypes', prototype, methodName) ?? [];
}

/** Whether the compiler recorded the method's parameter types (`emitDecoratorMetadata`). */
export function hasParamTypes(prototype: Target, methodName: string | symbol): boolean {
  return Reflect.hasMetadata('design:paramtypes', prototype, methodName);
}

export function addGuards(target: Target, guards: GuardLike[], methodName?: string | symbol): void {
  ownList<GuardLike>(GUARDS_KEY, target, methodName).push(...guards);
}

export function getClassGuards(cls: Function): GuardLike[] {
  return Reflect.getMetadata(GUARDS_KEY, cls) ?? [];
}

export function getMethodGuards(prototype: Target, methodName: string | symbol): GuardLike[] {
  return Reflect.getMetadata(GUARDS_KEY, prototype, methodName) ?? [];
}

export function addNamespaceProperty(prototype: Target, property: string | symbol): void {
  ownList<string | symbol>(NAMESPACE_PROPS_KEY, prototype).push(property);
}

export function getNamespaceProperties(prototype: Target): (string | symbol)[] {
  const props: (string | symbol)[] = [];
  for (let p: Target | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    props.push(...((Reflect.getOwnMetadata(NAMESPACE_PROPS_KEY, p) as (string | symbol)[] | undefined) ?? []));
  }
  return props;
}
