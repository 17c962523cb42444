import { getClassGuards, getGatewayOptions, getHandlers, getMethodGuards, getParams, getParamTypes } from './metadata.js';
import type { GatewayOptions, ParamMetadata } from './metadata.js';
import { resolveGuard, runGuards, type GuardFunction } from './guards.js';
import { isValidatedType, validatePayload, type PayloadValidationOptions } from './validation.js';
import type { EventBinding } from './dispatch.js';
import type { AckCallback, Constructor, GatewaySocket } from './types.js';

/** A gateway class reduced to what the mount step wires: no decorator metadata is read later. */
export interface CompiledGateway {
  instance: object;
  name: string;
  namespace: string | RegExp;
  /** Class guards: run once per connection as namespace middleware. */
  connectionGuards: GuardFunction[];
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
}

/** Without parameter decorators a handler is called as `(payload, socket, ack)`, payload validated by its type. */
function planArguments(prototype: object, methodName: string | symbol): ArgumentPlan {
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
  const dto = payload ? (payload.dto ?? paramTypes[payload.index]) : undefined;
  return {
    length: Math.max(paramTypes.length, ...params.map(p => p.index + 1)),
    params,
    payloadParam: payload ? { index: payload.index, dto: isValidatedType(dto) ? dto : undefined } : undefined,
  };
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
  const plan = planArguments(prototype, handler.methodName);
  const guards = getMethodGuards(prototype, handler.methodName).map(g => resolveGuard(g, factory));
  const validation: PayloadValidationOptions = { ...gatewayOptions.validation, ...handler.options.validation };
  const event = handler.event;
  return {
    event,
    manualAck: plan.params.some(p => p.kind === 'ack') && getParams(prototype, handler.methodName).length > 0,
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
  const bindings = getHandlers(Object.getPrototypeOf(instance)).map(h =>
    compileHandler(instance, gatewayOptions, h, options.factory),
  );
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
    bindings,
  };
}
