import createDebug from 'debug';
import { AckSender } from '@sockline/core';
import type { AckCallback, GatewaySocket } from './types.js';

const debug = createDebug('sockline:gateway:respond');

/** A handler result that is emitted as an event instead of being acked (Nest's `WsResponse`). */
export interface EventResponse<T = unknown> {
  event: string;
  data: T;
}

/** Anything with an RxJS-compatible `subscribe` (we do not depend on rxjs). */
export interface SubscribableLike<T = unknown> {
  subscribe(observer: { next: (value: T) => void; error: (error: unknown) => void; complete: () => void }): { unsubscribe(): void };
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
 * Who answers the ack of an event (the ack itself is one `AckSender`, shared by everyone):
 * - `result`: the handler never sees the callback; its result (value, resolved Promise, first
 *   plain value of an observable) is the answer.
 * - `handler`: the handler took the callback (`@Ack()`, Nest's `@Ack()`): it alone answers; its
 *   results are never acked (only `EventResponse`s are emitted).
 * - `either`: the handler got the callback as a plain argument (a handler without parameter
 *   decorators that declares it, any Nest handler): a non-nil result answers if the handler has
 *   not already; a nil result leaves the answer to the handler's callback.
 * A thrown error answers in every mode, if nothing has answered yet (see `bindEventHandlers`).
 */
export type AckMode = 'result' | 'handler' | 'either';

/**
 * Splits the arguments of a Socket.IO event into the payload and the owner of its ack.
 * One argument is the payload itself; several are passed on as an array (as Nest does).
 */
export function splitAck(args: readonly unknown[]): { payload: unknown; ack: AckSender | undefined } {
  const last = args[args.length - 1];
  const ack = typeof last === 'function' ? AckSender.from(last as AckCallback) : undefined;
  const values = ack ? args.slice(0, -1) : args;
  return { payload: values.length <= 1 ? values[0] : values, ack };
}

/**
 * Sends one handler result to the client: an `EventResponse` is emitted, any other non-nil value
 * answers the ack (unless the mode leaves it to the handler, or it was answered already: then it
 * is dropped). Promise results are awaited; observable results deliver every value and are
 * unsubscribed when the socket disconnects. Resolves when the result is fully delivered and
 * rejects with the handler's error (the caller reports it).
 */
export function deliverResult(socket: GatewaySocket, result: unknown, ack: AckSender | undefined, mode: AckMode): Promise<void> {
  const sendValue = (value: unknown): void => {
    if (value === undefined || value === null) return;
    if (isEventResponse(value)) {
      socket.emit(value.event, value.data);
      return;
    }
    if (mode === 'handler' || !ack) return;
    if (!ack.send(value)) debug('event of socket %s: ack already %s, result value dropped', socket.id, ack.state);
  };
  if (isThenable(result)) {
    return Promise.resolve(result).then(value => deliverResult(socket, value, ack, mode));
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
