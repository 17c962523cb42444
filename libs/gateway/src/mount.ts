import createDebug from 'debug';
import { compileGateway, type CompiledGateway } from './compile.js';
import { connectionMiddleware } from './connection.js';
import { runGuards } from './guards.js';
import { bindEventHandlers, gateSocket } from './dispatch.js';
import { lifecycleOf } from './lifecycle.js';
import { getNamespaceProperties } from './metadata.js';
import type { Constructor, GatewayNamespaceLike, GatewayServer, GatewaySocket } from './types.js';

const debug = createDebug('sockline:gateway:mount');

export interface MountOptions {
  /** Builds gateway classes (and guard classes) so they can receive dependencies. Default: `new cls()`. */
  factory?: (cls: Constructor) => object;
}

function instantiate(gateway: Constructor | object, factory: MountOptions['factory']): object {
  if (typeof gateway !== 'function') return gateway;
  return factory ? factory(gateway as Constructor) : new (gateway as Constructor)();
}

async function wire(io: GatewayServer, gateway: CompiledGateway): Promise<void> {
  const nsp: GatewayNamespaceLike = io.of(gateway.namespace);
  const { instance, connectionGuards } = gateway;
  if (connectionGuards.length > 0) {
    nsp.use(
      connectionMiddleware(socket =>
        runGuards(connectionGuards, { socket, event: undefined, payload: socket.handshake.auth, gateway: instance }),
      ),
      // Recovery skips plain middleware; guards are authorization, asked again unless opted out.
      { runOnRecovery: gateway.guardsOnRecovery },
    );
  }
  for (const property of getNamespaceProperties(Object.getPrototypeOf(instance))) {
    (instance as Record<string | symbol, unknown>)[property] = nsp;
  }
  const hooks = lifecycleOf(instance);
  nsp.on('connection', (socket: GatewaySocket) => {
    const ready = hooks.handleConnection
      ? gateSocket(socket, Promise.resolve().then(() => hooks.handleConnection!(socket)))
      : undefined;
    bindEventHandlers(socket, gateway.bindings, { errors: 'ack-or-exception', ackNil: true, ready });
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
  for (const gateway of compiled) await wire(io, gateway);
}
