import createDebug from 'debug';
import { compileGateway, type CompiledGateway } from './compile.js';
import { connectionMiddleware } from './connection.js';
import { runGuards } from './guards.js';
import { bindEventHandlers, gateSocket, reportError } from './dispatch.js';
import type { ErrorDescriber } from './errors.js';
import { lifecycleOf } from './lifecycle.js';
import { getNamespaceProperties } from './metadata.js';
import type { Constructor, GatewayNamespaceLike, GatewayServer, GatewaySocket } from './types.js';

const debug = createDebug('sockline:gateway:mount');

export interface MountOptions extends WireOptions {
  /** Builds gateway classes (and guard classes) so they can receive dependencies. Default: `new cls()`. */
  factory?: (cls: Constructor) => object;
}

export interface WireOptions {
  /**
   * Describes errors of another framework for the client (tried before the gateway's own
   * `GatewayError`): how `@sockline/nestjs` answers a Nest `WsException` like a `GatewayError`,
   * at connection (`connect_error`), in acks and in the `exception` event.
   */
  describers?: readonly ErrorDescriber[];
}

function instantiate(gateway: Constructor | object, factory: MountOptions['factory']): object {
  if (typeof gateway !== 'function') return gateway;
  return factory ? factory(gateway as Constructor) : new (gateway as Constructor)();
}

async function wire(io: GatewayServer, gateway: CompiledGateway, describers: WireOptions['describers']): Promise<void> {
  const nsp: GatewayNamespaceLike = io.of(gateway.namespace);
  const { instance, connectionGuards } = gateway;
  if (connectionGuards.length > 0) {
    nsp.use(
      connectionMiddleware(
        socket => runGuards(connectionGuards, { socket, event: undefined, payload: socket.handshake.auth, gateway: instance }),
        describers,
      ),
      // Recovery skips plain middleware; guards are authorization, asked again unless opted out.
      { runOnRecovery: gateway.guardsOnRecovery },
    );
  }
  for (const property of getNamespaceProperties(Object.getPrototypeOf(instance))) {
    (instance as Record<string | symbol, unknown>)[property] = nsp;
  }
  const hooks = lifecycleOf(instance);
  // One report for every socket of the gateway (only built when errors need describing).
  const reportHookError = describers
    ? (socket: GatewaySocket, error: unknown) => reportError(socket, 'connection', error, undefined, describers)
    : undefined;
  nsp.on('connection', (socket: GatewaySocket) => {
    const ready = hooks.handleConnection
      ? gateSocket(
          socket,
          Promise.resolve().then(() => hooks.handleConnection!(socket)),
          reportHookError,
        )
      : undefined;
    bindEventHandlers(socket, gateway.bindings, { errors: 'ack-or-exception', ackNil: true, ready, describers });
    if (hooks.handleDisconnect) {
      const onDisconnect = hooks.handleDisconnect;
      socket.on('disconnect', (reason: string) => {
        Promise.resolve()
          .then(() => onDisconnect(socket, reason))
          .catch(error => debug('%s.handleDisconnect failed for %s: %O', gateway.name, socket.id, error));
      });
    }
  });
  if (hooks.afterInit) await hooks.afterInit(nsp);
  debug('%s mounted on %s with %d handler(s)', gateway.name, String(gateway.namespace), gateway.bindings.length);
}

/**
 * Wires compiled gateways onto a server, in order: namespace, class guards as middleware, event
 * handlers, then `afterInit`. For framework adapters that build the instances and resolve the
 * guards themselves (`@sockline/nestjs`, through Nest's injector), then `compileGateway` each.
 */
export async function wireGateways(io: GatewayServer<any>, gateways: readonly CompiledGateway[], options: WireOptions = {}): Promise<void> {
  for (const gateway of gateways) await wire(io, gateway, options.describers);
}

/**
 * Wires gateways onto a server: namespace, class guards as middleware, event handlers, then
 * `afterInit`. Gateways are compiled first, so a decorator mistake in any of them rejects before
 * anything is wired. Called by the Fastify and Express plugins for their `gateways` option.
 */
export async function mountGateways(
  io: GatewayServer<any>,
  gateways: ReadonlyArray<Constructor | object>,
  options: MountOptions = {},
): Promise<void> {
  const compiled = gateways.map(g => compileGateway(instantiate(g, options.factory), { factory: options.factory }));
  await wireGateways(io, compiled, options);
}
