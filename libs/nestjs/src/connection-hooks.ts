import type { GatewayEntry } from './gateway-registry.js';

/**
 * Nest calls `handleConnection` and drops what it returns. To await it, the adapter wraps the
 * method on each gateway instance (before Nest binds it) and records the returned promise for the
 * socket; `bindMessageHandlers`, which Nest calls right after, picks it up to gate the events.
 */
export class ConnectionHookTracker {
  private readonly pending = new WeakMap<object, Promise<unknown>>();

  wrap(gateways: readonly GatewayEntry[]): void {
    for (const { instance } of gateways) {
      const target = instance as { handleConnection?: (...args: unknown[]) => unknown };
      const original = target.handleConnection;
      if (typeof original !== 'function' || Object.hasOwn(target, 'handleConnection')) continue;
      const pending = this.pending;
      target.handleConnection = function (this: unknown, client: unknown, ...rest: unknown[]) {
        const result = Promise.resolve().then(() => original.call(instance, client, ...rest));
        if (typeof client === 'object' && client !== null) pending.set(client, result);
        return result.catch(() => undefined);
      };
    }
  }

  /** The hook promise for this socket's gateway, if it has one; consumed once. */
  take(client: object): Promise<unknown> | undefined {
    const hook = this.pending.get(client);
    this.pending.delete(client);
    return hook;
  }
}
