/**
 * `engine.clients` as the reference documents it: an object keyed by session id
 * (`engine.clients[sid]`, `sid in engine.clients`, `Object.keys(engine.clients)`, `for...in`).
 *
 * The engine keeps its sessions in a Map (lookups by a client-sent sid, no prototype keys to guard
 * against). Mirroring every session into a plain object as well would cost each connect and
 * disconnect a property add and delete (the sid interned as a property key, the object in
 * dictionary mode: ~1 µs per connect + disconnect measured, several times the Map's cost). This
 * view reads the Map instead: nothing is done per connection, a read goes through a Proxy trap.
 * The view is read-only: sessions come and go with their connections, not by assignment.
 */
import { inspect } from "node:util";

export function clientsView<T>(sessions: ReadonlyMap<string, T>): Record<string, T> {
  // An ordinary object as target: `engine.clients.hasOwnProperty(sid)` and friends work as on the
  // reference's `{}`. `console.log(engine.clients)` inspects the target, which shows the sessions.
  const target: Record<PropertyKey, unknown> = {};
  Object.defineProperty(target, inspect.custom, {
    configurable: true,
    enumerable: false,
    value: (_depth: number, options: object) => inspect(Object.fromEntries(sessions), options),
  });
  return new Proxy(target, {
    get(obj, key, receiver) {
      if (typeof key === "string") {
        const session = sessions.get(key);
        if (session !== undefined) return session;
      }
      return Reflect.get(obj, key, receiver);
    },
    has(obj, key) {
      return (typeof key === "string" && sessions.has(key)) || Reflect.has(obj, key);
    },
    ownKeys() {
      return [...sessions.keys()];
    },
    getOwnPropertyDescriptor(_obj, key) {
      if (typeof key !== "string") return undefined;
      const session = sessions.get(key);
      return session === undefined ? undefined : { value: session, writable: false, enumerable: true, configurable: true };
    },
    set: refuseWrite,
    defineProperty: refuseWrite,
    deleteProperty: refuseWrite,
    setPrototypeOf: refuseWrite,
    preventExtensions: refuseWrite,
  }) as Record<string, T>;
}

/** Writes fail (a TypeError in strict mode): sessions are added and removed by the engine only. */
function refuseWrite(): boolean {
  return false;
}
