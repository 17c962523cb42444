/**
 * Type machinery for strongly typed events: `Server<ClientToServerEvents, ServerToClientEvents,
 * InterServerEvents, SocketData>`. An events map is an interface whose keys are event names and whose
 * values are listener signatures; an acknowledgement is a function as last parameter.
 */
import { EventEmitter } from "node:events";
import { newListenerTable } from "./listener-table.js";

/** Any map from event name to listener signature. */
export interface EventsMap {
  [event: string]: any;
}

/** The map used when no map is given: every event, any arguments. */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

type IsAny<T> = 0 extends 1 & T ? true : false;
// An untyped map (DefaultEventsMap) has `any` arguments: every event name is then accepted.

/** Last element type of a tuple (the element type for a plain array). */
export type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L]
  ? L
  : T extends ReadonlyArray<infer E>
    ? E
    : never;

/** Every element of a tuple but the last. */
export type AllButLast<T extends any[]> = T extends [...infer Head, any] ? Head : any[];

type ParamsOf<F> = F extends (...args: infer P) => any ? P : never;

/** Events whose last parameter is an acknowledgement callback. */
export type EventNamesWithAck<Map extends EventsMap, K extends EventNames<Map> = EventNames<Map>> =
  IsAny<Last<ParamsOf<Map[K]>> | Map[K]> extends true
    ? K
    : K extends any
      ? ParamsOf<Map[K]> extends []
        ? never
        : Last<ParamsOf<Map[K]>> extends (...args: any[]) => any
          ? K
          : never
      : never;

/** Events whose last parameter is not an acknowledgement callback. */
export type EventNamesWithoutAck<Map extends EventsMap, K extends EventNames<Map> = EventNames<Map>> =
  IsAny<Last<ParamsOf<Map[K]>> | Map[K]> extends true
    ? K
    : K extends any
      ? ParamsOf<Map[K]> extends []
        ? K
        : Last<ParamsOf<Map[K]>> extends (...args: any[]) => any
          ? never
          : K
      : never;

/** The events of a map that take no acknowledgement (a broadcast without timeout cannot wait for one). */
export type RemoveAcknowledgements<E extends EventsMap> = {
  [K in EventNamesWithoutAck<E>]: E[K];
};

/** Events whose acknowledgement receives an Error first (i.e. decorated by `timeout()`). */
export type EventNamesWithError<Map extends EventsMap, K extends EventNamesWithAck<Map> = EventNamesWithAck<Map>> =
  IsAny<Last<ParamsOf<Map[K]>> | Map[K]> extends true
    ? K
    : K extends any
      ? ParamsOf<Last<ParamsOf<Map[K]>>>[0] extends Error
        ? K
        : never
      : never;

/** What an ack delivers once the leading error slot (if any) is removed. */
export type FirstNonErrorTuple<T extends unknown[]> = T[0] extends Error ? T[1] : T[0];
export type FirstNonErrorArg<T> = T extends (...args: infer P) => any ? FirstNonErrorTuple<P> : any;

/** The ack of each event gets an `err: Error` first parameter (what `timeout()` does). */
type WithTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer P) => infer R ? (P[0] extends Error ? T[K] : (err: Error, ...args: P) => R) : T[K];
};

/** Each ack argument becomes an array: one entry per answering client (broadcast acks). */
type ArraysOf<T extends unknown[]> = { [K in keyof T]: T[K][] };
type WithMultipleResponses<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer P) => infer R
    ? P extends [Error, ...infer Rest]
      ? (err: Error, ...args: ArraysOf<Rest>) => R
      : (...args: ArraysOf<P>) => R
    : T[K];
};

export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: WithTimeoutError<P>) => R : E[K];
};

export type DecorateAcknowledgementsWithMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: WithMultipleResponses<P>) => R : E[K];
};

export type DecorateAcknowledgementsWithTimeoutAndMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: WithMultipleResponses<WithTimeoutError<P>>) => R : E[K];
};

export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> = EventNames<Reserved> | EventNames<User>;

type OrUntyped<T> = [T] extends [never] ? (...args: any[]) => void | Promise<void> : T;

export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends ReservedOrUserEventNames<Reserved, User>,
> = OrUntyped<Ev extends EventNames<Reserved> ? Reserved[Ev] : Ev extends EventNames<User> ? User[Ev] : never>;

export interface TypedEventBroadcaster<EmitEvents extends EventsMap> {
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
}

/**
 * An EventEmitter whose `on`/`once`/`emit` are typed by three maps: events it listens to, events it
 * emits to peers, and events the library itself fires (`connection`, `disconnect`...).
 */
export abstract class StrictEventEmitter<
    ListenEvents extends EventsMap,
    EmitEvents extends EventsMap,
    ReservedEvents extends EventsMap = {},
  >
  extends EventEmitter
  implements TypedEventBroadcaster<EmitEvents>
{
  constructor() {
    super();
    // one socket per connection: keep its listener table small (see listener-table.ts)
    (this as unknown as { _events: object })._events = newListenerTable();
  }

  override on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener);
  }

  override once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.once(ev, listener);
  }

  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return super.emit(ev, ...args);
  }

  /** Fires a library event (not sent to any peer). */
  protected emitReserved<Ev extends EventNames<ReservedEvents>>(ev: Ev, ...args: EventParams<ReservedEvents, Ev>): boolean {
    return super.emit(ev, ...args);
  }

  /** Fires an event received from a peer or another server (names are not known statically). */
  protected emitUntyped(ev: string, ...args: any[]): boolean {
    return super.emit(ev, ...args);
  }

  /** Same, with `[event, ...args]` as one array (the hot receive path: no re-spreading). */
  protected emitUntypedArray(eventAndArgs: unknown[]): boolean {
    return (EventEmitter.prototype.emit as (...a: unknown[]) => boolean).apply(this, eventAndArgs);
  }

  override listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    event: Ev,
  ): ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[] {
    return super.listeners(event) as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[];
  }
}
