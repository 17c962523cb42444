import { getClassGuards, getGatewayOptions, getHandlers, getMethodGuards, getParams, getParamTypes, hasParamTypes } from './metadata.js';
import type { GatewayOptions, ParamMetadata } from './metadata.js';
import { isGuardClass, resolveGuard, runGuards, type GuardFunction } from './guards.js';
import { isValidatedType, validatePayload, type PayloadValidationOptions } from './validation.js';
import type { EventBinding } from './dispatch.js';
import type { AckMode } from './respond.js';
import type { AckCallback, Constructor, GatewaySocket } from './types.js';

/** A gateway class reduced to what the mount step wires: no decorator metadata is read later. */
export interface CompiledGateway {
  instance: object;
  name: string;
  namespace: string | RegExp;
  /** Class guards: run at connection as namespace middleware, and again on recovery unless `guardsOnRecovery` is false. */
  connectionGuards: GuardFunction[];
  guardsOnRecovery: boolean;
  bindings: EventBinding[];
}

export interface CompileOptions {
  /** Builds guard classes (and gateway classes in `mountGateways`) so they can receive dependencies. */
  factory?: (cls: Constructor) => object;
}

interface ArgumentPlan {
  length: number;
  params: ParamMetadata[];
  payloadParam: { index: number; dto: Constructor | undefined } | undefined;
  ackMode: AckMode;
}

/** The handler's parameters: undecorated handlers are called as `(payload, socket, ack)`, payload validated by its type. */
function planArguments(prototype: object, methodName: string | symbol, method: Function, where: string): ArgumentPlan {
  const paramTypes = getParamTypes(prototype, methodName);
  const declared = getParams(prototype, methodName);
  const params: ParamMetadata[] =
    declared.length > 0
      ? declared
      : [
          { index: 0, kind: 'payload' },
          { index: 1, kind: 'socket' },
          { index: 2, kind: 'ack' },
        ];
  const payload = params.find(p => p.kind === 'payload');
  if (payload && declared.length > 0) assertPayloadTypeKnown(prototype, methodName, payload, where);
  const dto = payload ? (payload.dto ?? paramTypes[payload.index]) : undefined;
  return {
    length: Math.max(paramTypes.length, ...params.map(p => p.index + 1)),
    params,
    payloadParam: payload ? { index: payload.index, dto: isValidatedType(dto) ? dto : undefined } : undefined,
    ackMode: ackModeOf(declared, Math.max(paramTypes.length, method.length)),
  };
}

/**
 * `@Ack()` hands the answer to the handler. An undecorated handler that declares the third
 * parameter (the callback) may answer through it, later; one that does not is answered by its result.
 */
function ackModeOf(declared: readonly ParamMetadata[], declaredParameters: number): AckMode {
  if (declared.length > 0) return declared.some(p => p.kind === 'ack') ? 'handler' : 'result';
  return declaredParameters >= 3 ? 'either' : 'result';
}

/**
 * `@Payload()` without a DTO validates against the parameter's declared type, which only exists
 * at run time as `design:paramtypes` metadata (`emitDecoratorMetadata`). Without it the payload
 * would silently never be validated: refuse to mount instead.
 */
function assertPayloadTypeKnown(prototype: object, methodName: string | symbol, payload: ParamMetadata, where: string): void {
  if (payload.dto !== undefined || hasParamTypes(prototype, methodName)) return;
  throw new TypeError(
    `${where}: @Payload() takes its DTO from the parameter's declared type, but the method has no "design:paramtypes" metadata, ` +
      'so the payload would never be validated. Compile with "experimentalDecorators": true and "emitDecoratorMetadata": true ' +
      'in tsconfig.json (a build tool that drops decorator metadata has the same effect), or name the DTO: @Payload(MessageDto) ' +
      '(@Payload(Object) for a payload that is not validated).',
  );
}

function compileHandler(
  instance: object,
  gatewayOptions: GatewayOptions,
  handler: ReturnType<typeof getHandlers>[number],
  factory: CompileOptions['factory'],
): EventBinding {
  const prototype = Object.getPrototypeOf(instance);
  const method = (instance as Record<string | symbol, unknown>)[handler.methodName];
  if (typeof method !== 'function') {
    throw new TypeError(`${instance.constructor.name}.${String(handler.methodName)} is not a method`);
  }
  const where = `${instance.constructor.name}.${String(handler.methodName)}`;
  const plan = planArguments(prototype, handler.methodName, method, where);
  const guards = getMethodGuards(prototype, handler.methodName).map(g => resolveGuard(g, factory));
  const validation: PayloadValidationOptions = { ...gatewayOptions.validation, ...handler.options.validation };
  const event = handler.event;
  return {
    event,
    ackMode: plan.ackMode,
    async invoke(socket: GatewaySocket, payload: unknown, ack: AckCallback | undefined) {
      if (guards.length > 0) await runGuards(guards, { socket, event, payload, gateway: instance });
      const { payloadParam } = plan;
      const value = payloadParam?.dto ? await validatePayload(payloadParam.dto, payload, validation) : payload;
      const args = new Array<unknown>(plan.length);
      for (const param of plan.params) {
        args[param.index] = param.kind === 'payload' ? value : param.kind === 'socket' ? socket : ack;
      }
      return method.apply(instance, args);
    },
  };
}

/** Reads a gateway's decorators once and produces its middleware and socket handlers. */
export function compileGateway(instance: object, options: CompileOptions = {}): CompiledGateway {
  const cls = instance.constructor;
  const gatewayOptions = getGatewayOptions(cls);
  if (!gatewayOptions) {
    throw new TypeError(`${cls.name} is not a gateway: decorate the class with @Gateway()`);
  }
  const bindings = getHandlers(Object.getPrototypeOf(instance)).map(h => compileHandler(instance, gatewayOptions, h, options.factory));
  const events = new Set<string>();
  for (const binding of bindings) {
    if (events.has(binding.event)) {
      throw new TypeError(`${cls.name} handles the event "${binding.event}" twice`);
    }
    events.add(binding.event);
  }
  return {
    instance,
    name: cls.name,
    namespace: gatewayOptions.namespace ?? '/',
    connectionGuards: getClassGuards(cls).map(g => resolveGuard(g, options.factory)),
    guardsOnRecovery: gatewayOptions.guardsOnRecovery ?? true,
    bindings,
  };
}

/** Whether `cls` is decorated with `@Gateway()`: how a framework adapter finds gateway classes among its own. */
export function isGatewayClass(cls: unknown): cls is Constructor {
  return typeof cls === 'function' && getGatewayOptions(cls) !== undefined;
}

/**
 * The guard classes a gateway names in `@UseGuards`, on the class and on its handlers, each once:
 * the classes `compileGateway` asks its `factory` for. A container that builds instances
 * asynchronously (Nest's injector) builds these first, then gives `compileGateway` a factory that
 * hands them out.
 */
export function guardClassesOf(cls: Function): Constructor[] {
  const prototype = cls.prototype as object;
  const guards = [...getClassGuards(cls), ...getHandlers(prototype).flatMap(handler => getMethodGuards(prototype, handler.methodName))];
  return [...new Set(guards.filter(isGuardClass))];
}
