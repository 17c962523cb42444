import createDebug from 'debug';
import { toConnectError, type ErrorDescriber } from './errors.js';
import type { GatewaySocket, NamespaceMiddleware } from './types.js';

const debug = createDebug('sockline:gateway:connection');

/**
 * Turns an async check (guards) into namespace middleware. A check that throws refuses the
 * connection: the client gets `connect_error` with the error's message and `data`, and never
 * connects. Shared by `@sockline/gateway` (class guards) and `@sockline/nestjs` (connection guards).
 */
export function connectionMiddleware<S extends GatewaySocket>(
  check: (socket: S) => Promise<void> | void,
  describers?: readonly ErrorDescriber[],
): NamespaceMiddleware<S> {
  return (socket, next) => {
    Promise.resolve()
      .then(() => check(socket))
      .then(
        () => next(),
        error => {
          const connectError = toConnectError(error, describers);
          debug('connection %s to %s refused: %s', socket.id, socket.nsp.name, connectError.message);
          next(connectError);
        },
      );
  };
}
