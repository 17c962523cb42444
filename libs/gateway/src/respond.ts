import createDebug from 'debug';
import type { AckCallback, GatewaySocket } from './types.js';

const debug = createDebug('sockline:gateway:respond');

/** A handler result that is emitted as an event instead of being acked (Nest's `WsResponse`). */
export interface EventResponse<T = unknown> {
  event: string;
  data: T;
}

/** Anything with an RxJS-compatible `subscribe` (we do not depend on rxjs). */
export interface SubscribableLike<T = unknown> {
  subscribe(observer: {
    next: (value: T) => void;
    error: (error: unknown) => void;
    complete: () => void;
  }): { unsubscribe(): void };
}

/** Like Nest's adapters: any object with a non-empty string `event` is emitted, with its `data`. */
export function isEventResponse(value: unknown): value is EventResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { event?: unknown }).event === 'string' &&
    (value as { event: string }).event !== ''
  );
}

export function isSubscribable(value: unknown): value is SubscribableLike {
  return typeof value === 'object' && value !== null && typeof (value as SubscribableLike).subscribe === 'function';
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * Splits the arguments of a Socket.IO event into the payload and the ack callback.
 * One argument is the payload itself; several are passed on as an array (as Nest does).
 */
export function splitAck(args: readonly unknown[]): { payload: unknown; ack: AckCallback | undefined } {
  const last = args[args.length - 1];
  const ack = typeof last === 'function' ? (last as AckCallback) : undefined;
  const values = ack ? args.slice(0, -1) : args;
  return { payload: values.length <= 1 ? values[0] : values, ack };
}

/** Wraps an ack so it is sent at most once: a second call would put a stray ACK packet on the wire. */
export function onceAck(ack: AckCallback | undefined): AckCallback | undefined {
  if (!ack) return undefined;
  let sent = false;
  return (...args) => {
    if (sent) {
      debug('ack already sent, dropping a further value');
      return;
    }
    sent = true;
    ack(...args);
  };
}

export interface DeliveryOptions {
  /** The handler answers the ack itself (it took the ack parameter): never ack from the result. */
  manualAck: boolean;
  /**
   * Ack `undefined`/`null` results too. Nest skips nil results (the client's callback then never
   * fires); the gateway package acks them so a client waiting for the ack is never left hanging.
   */
  ackNil: boolean;
}

/**
 * Sends one handler result to the client: an `EventResponse` is emitted, any other value
 * answers the ack. Promise results are awaited; observable results deliver every value and are
 * unsubscribed when the socket disconnects. Resolves when the result is fully delivered and
 * rejects with the handler's error (the caller reports it).
 */
export function deliverResult(
  socket: GatewaySocket,
  result: unknown,
  ack: AckCallback | undefined,
  options: DeliveryOptions,
): Promise<void> {
  const sendValue = (value: unknown): void => {
    if (value === undefined || value === null) {
      if (options.ackNil && !options.manualAck && ack) ack(value ?? null);
      return;
    }
    if (isEventResponse(value)) {
      socket.emit(value.event, value.data);
      return;
    }
    if (!options.manualAck && ack) ack(value);
  };
  if (isThenable(result)) {
    return Promise.resolve(result).then(value => deliverResult(socket, value, ack, options));
  }
  if (!isSubscribable(result)) {
    sendValue(result);
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let subscription: { unsubscribe(): void } | undefined;
    let onDisconnect: (() => void) | undefined;
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      if (onDisconnect) socket.off('disconnect', onDisconnect);
      subscription?.unsubscribe();
      if (error === undefined) resolve();
      else reject(error);
    };
    // `subscribe` may deliver everything and complete before it returns the subscription.
    subscription = result.subscribe({
      next: sendValue,
      error: error => finish(error ?? new Error('observable failed')),
      complete: () => finish(),
    });
    if (finished) {
      subscription.unsubscribe();
      return;
    }
    // Still running: stop it when the client goes away (Nest does the same with takeUntil).
    onDisconnect = () => finish();
    socket.on('disconnect', onDisconnect);
  });
}
