import { addGuards, addHandler, addNamespaceProperty, addParam, setGatewayOptions } from './metadata.js';
import type { GatewayOptions, HandlerOptions } from './metadata.js';
import type { GuardLike } from './guards.js';
import type { AckCallback, Constructor } from './types.js';

/**
 * Marks a class as a gateway on a namespace (default `/`).
 * `@Gateway('/chat')`, `@Gateway(/^\/room-\d+$/)` or `@Gateway({ namespace, validation })`.
 */
export function Gateway(namespaceOrOptions: string | RegExp | GatewayOptions = {}): ClassDecorator {
  const options: GatewayOptions =
    typeof namespaceOrOptions === 'string' || namespaceOrOptions instanceof RegExp ? { namespace: namespaceOrOptions } : namespaceOrOptions;
  return target => setGatewayOptions(target as unknown as Constructor, options);
}

/** Handles one client event. The return value (or resolved Promise, or observable) is the ack. */
export function On(event: string, options: HandlerOptions = {}): MethodDecorator {
  if (typeof event !== 'string' || event === '') throw new TypeError('@On() needs a non-empty event name');
  return (target, methodName) => addHandler(target, { event, methodName, options });
}

/** The event payload, validated against `dto` or else the parameter's declared class. */
export function Payload(dto?: Constructor): ParameterDecorator {
  return (target, methodName, index) => addParam(target, methodName!, { index, kind: 'payload', dto });
}

/** The socket that sent the event. */
export function ConnectedSocket(): ParameterDecorator {
  return (target, methodName, index) => addParam(target, methodName!, { index, kind: 'socket' });
}

/** The ack callback (or `undefined`): taking it means the handler acks by itself; its return value is not sent. */
export function Ack(): ParameterDecorator {
  return (target, methodName, index) => addParam(target, methodName!, { index, kind: 'ack' });
}

/**
 * On the class: run at connection, as namespace middleware; a refused client gets `connect_error`.
 * On a handler: run before that event; a refusal is reported like any handler error.
 */
export function UseGuards(...guards: GuardLike[]): ClassDecorator & MethodDecorator {
  return ((target: object, methodName?: string | symbol) => {
    if (methodName === undefined) addGuards(target, guards);
    else addGuards(target, guards, methodName);
  }) as ClassDecorator & MethodDecorator;
}

/** A property that receives the gateway's `Namespace` before `afterInit` runs. */
export function GatewayNamespace(): PropertyDecorator {
  return (target, property) => addNamespaceProperty(target, property);
}

// ---------------------------------------------------------------------------------------------
// Typed events: `const { On } = typedEvents<ClientToServerEvents>()` checks event names, payload
// types and ack value types at compile time against the user's Socket.IO events interface.

type AnyListener = (...args: any[]) => void;

/** The payload type of an event: its first parameter unless that is the ack callback. */
export type EventPayload<L> = L extends (...args: infer A) => void
  ? A extends [AnyListener]
    ? undefined
    : A extends [infer First, ...unknown[]]
      ? First
      : undefined
  : never;

/** What the handler must return for the ack: the argument of the listener's trailing callback. */
export type EventAckValue<L> = L extends (...args: infer A) => void
  ? A extends [...unknown[], (value: infer R, ...rest: any[]) => void]
    ? R
    : unknown
  : never;

export type TypedHandler<L> = (payload: EventPayload<L>, ...rest: any[]) => any;

export interface TypedGatewayDecorators<Events> {
  On<E extends keyof Events & string>(
    event: E,
    options?: HandlerOptions,
  ): <M extends TypedHandler<Events[E]>>(
    target: object,
    methodName: string | symbol,
    descriptor: TypedPropertyDescriptor<M> &
      (ReturnType<M> extends EventAckValue<Events[E]> | Promise<EventAckValue<Events[E]>> | void | Promise<void>
        ? unknown
        : { __ackTypeMismatch: EventAckValue<Events[E]> }),
  ) => void;
}

/**
 * Decorators checked against a typed-events interface (the same `ClientToServerEvents` you give
 * `Server<...>`): unknown event names, payload parameters of the wrong type, and ack values of the
 * wrong type are compile errors. The handler must take the payload as its first parameter.
 */
export function typedEvents<Events>(): TypedGatewayDecorators<Events> {
  return {
    On: (event, options) => On(event, options) as any,
  };
}

export type { AckCallback };
