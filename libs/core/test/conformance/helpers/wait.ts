// Promise helpers for event-driven tests. Timeouts here are safety nets that turn a hang into a
// readable failure (naming the event that never came); they never assert how fast anything is.

/** Anything with on/off, which covers Node's EventEmitter and socket.io-client's Emitter. */
export interface Listenable {
  // `any` because typed emitters narrow event names to their own maps.
  on(event: any, listener: any): unknown;
  off(event: any, listener: any): unknown;
}

const SAFETY_NET_MS = 15_000;

/** Resolves with the arguments of the next `event` emitted by `emitter`. */
export function waitFor<T extends unknown[] = any[]>(
  emitter: Listenable,
  event: string,
  what = event,
  timeoutMs = SAFETY_NET_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for "${what}"`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as T);
    };
    emitter.on(event, listener);
  });
}

/** Resolves with the arguments of the first `count` emissions of `event`. */
export function collect<T = unknown>(
  emitter: Listenable,
  event: string,
  count: number,
  timeoutMs = SAFETY_NET_MS,
): Promise<T[][]> {
  return new Promise((resolve, reject) => {
    const received: T[][] = [];
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for ${count} "${event}" events (got ${received.length})`));
    }, timeoutMs);
    const listener = (...args: T[]) => {
      received.push(args);
      if (received.length === count) {
        clearTimeout(timer);
        emitter.off(event, listener);
        resolve(received);
      }
    };
    emitter.on(event, listener);
  });
}

/** Records every emission of `event` until `stop()` is called. */
export function record<T = unknown>(emitter: Listenable, event: string): { events: T[][]; stop(): T[][] } {
  const events: T[][] = [];
  const listener = (...args: T[]) => events.push(args);
  emitter.on(event, listener);
  return {
    events,
    stop() {
      emitter.off(event, listener);
      return events;
    },
  };
}

/** Rejects after `ms` with a message naming what was awaited; for racing promises that may never settle. */
export function withTimeout<T>(promise: Promise<T>, what: string, ms = SAFETY_NET_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

/** Waits until `predicate` holds, polling; for state that changes without an event (e.g. server-side maps). */
export async function until(predicate: () => boolean, what: string, timeoutMs = SAFETY_NET_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
