import createDebug from 'debug';
import { traceHandlerPromise, type AckSender } from '@sockline/core';
import { deliverResult, splitAck, type AckMode } from './respond.js';
import { toAckError, type ErrorDescriber, type ExceptionEventPayload } from './errors.js';
import type { AckCallback, GatewaySocket } from './types.js';

const debug = createDebug('sockline:gateway:dispatch');

/** One compiled event handler, ready to be bound to every socket of its namespace. */
export interface EventBinding<S extends GatewaySocket = GatewaySocket> {
  event: string;
  /** Who answers the ack: the result, the handler through its callback, or whichever comes first. */
  ackMode: AckMode;
  /** Runs guards, validation and the handler; returns a value, a Promise or an observable. */
  invoke(socket: S, payload: unknown, ack: AckCallback | undefined): unknown;
}

/**
 * How a failed event is reported. `ack-or-exception` (the gateway package, and Nest with
 * `ackErrors`): `{ error }` in the ack when the client asked for one, else the `exception` event.
 * `none`: the caller already reported it (stock Nest: its exception filters emit `exception`).
 */
export type ErrorReporting = 'ack-or-exception' | 'none';

export interface DispatchOptions {
  errors: ErrorReporting;
  /**
   * Answer `null` when the handler's result was fully delivered without answering an ack the client
   * asked for (`undefined`, an `EventResponse`, an observable without plain values), in `result`
   * mode. Nest skips nil results (the client's callback then never fires); the gateway package
   * answers them so that a client waiting for the ack is never left hanging.
   */
  ackNil: boolean;
  describers?: readonly ErrorDescriber[];
  /** Resolves when the socket may receive events (its connection hook is done); see `gateSocket`. */
  ready?: Promise<unknown>;
}

/**
 * Reports an error to the client in the one documented shape: in the ack if it is still owed,
 * else as the `exception` event (no ack requested, or the handler answered before failing).
 */
export function reportError(
  socket: GatewaySocket,
  event: string,
  error: unknown,
  ack: AckSender | undefined,
  describers?: readonly ErrorDescriber[],
): void {
  const ackError = toAckError(error, describers);
  debug('event "%s" of socket %s failed: %s', event, socket.id, ackError.error.message);
  if (ack?.send(ackError)) return;
  const payload: ExceptionEventPayload = { ...ackError, event };
  socket.emit('exception', payload);
}

/**
 * Binds the compiled handlers to one socket. This is the single dispatch path shared by the
 * gateway package and the Nest adapter: ack splitting, `EventResponse` emission, observable
 * results and error reporting all live here. The ack has one owner (the core's `AckSender`), which
 * the handler's callback, the result delivery and the error report all go through: whatever the
 * handler does, the client gets one answer at most, and exactly one in the cases listed on
 * `AckMode` and `DispatchOptions.ackNil`.
 */
export function bindEventHandlers<S extends GatewaySocket>(
  socket: S,
  bindings: readonly EventBinding<S>[],
  options: DispatchOptions,
): void {
  for (const binding of bindings) {
    socket.on(binding.event, (...args: unknown[]) => {
      const { payload, ack } = splitAck(args);
      const run = async () => {
        if (options.ready) await options.ready;
        const result = binding.invoke(socket, payload, ack?.callback);
        await deliverResult(socket, result, ack, binding.ackMode);
        if (ack?.pending && options.ackNil && binding.ackMode === 'result') ack.send(null);
      };
      // the core's `sockline:handler` span (when traced) lasts until guards, validation and the handler settle
      traceHandlerPromise(run()).catch(error => {
        if (options.errors === 'none') {
          debug('event "%s" of socket %s failed: %O', binding.event, socket.id, error);
          return;
        }
        if (!socket.connected) {
          ack?.drop();
          return;
        }
        reportError(socket, binding.event, error, ack, options.describers);
      });
    });
  }
}

/**
 * Holds a socket's events back until its connection hook settles. If the hook fails, `report`
 * tells the client why (default: the `exception` event in the gateway shape, `event:
 * 'connection'`) and the socket is disconnected, instead of an unhandled rejection and a
 * half-initialised connection. The returned promise never rejects: events waiting on a refused
 * socket are simply dropped.
 */
export function gateSocket<S extends GatewaySocket>(
  socket: S,
  hook: Promise<unknown>,
  report: (socket: S, error: unknown) => void = (s, error) => reportError(s, 'connection', error, undefined),
): Promise<unknown> {
  return hook.then(
    () => undefined,
    error => {
      debug('connection hook of socket %s failed: %O', socket.id, error);
      report(socket, error);
      socket.disconnect(true);
      return new Promise<never>(() => {});
    },
  );
}
