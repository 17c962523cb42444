// Promise helpers for event-driven tests. Every wait is bounded: the timeout is a safety net that
// turns a hang into a failure naming what never came; it never asserts how fast anything is.
import { setTimeout as delay } from "node:timers/promises";

/** How long a wait lasts before it fails, unless told otherwise. */
export const SAFETY_NET_MS = 15_000;

/** Anything with on/off: Node's EventEmitter, socket.io-client's and engine.io-client's emitters, `ws`. */
export interface Listenable {
  // `any` because typed emitters narrow event names and listeners to their own maps.
  on(event: any, listener: any): unknown;
  off(event: any, listener: any): unknown;
}

export interface WaitOptions {
  /** What is awaited, for the failure message (default: the event name). */
  what?: string;
  timeoutMs?: number;
}

// Not unref'd: a wait that nothing else keeps alive must still end with its own message.
function safetyNet(onTimeout: () => void, timeoutMs: number): NodeJS.Timeout {
  return setTimeout(onTimeout, timeoutMs);
}

/** Resolves with the arguments of the next `event` emitted by `emitter`. */
export function once<T extends unknown[] = any[]>(
  emitter: Listenable,
  event: string,
  { what = `"${event}"`, timeoutMs = SAFETY_NET_MS }: WaitOptions = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = safetyNet(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as T);
    };
    emitter.on(event, listener);
  });
}

/** Resolves with the first argument of the next `event` whose first argument satisfies `match`. */
export function nextEvent<T = any>(
  emitter: Listenable,
  event: string,
  { match = () => true, what = `"${event}"`, timeoutMs = SAFETY_NET_MS }: WaitOptions & { match?: (value: T) => boolean } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = safetyNet(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const listener = (value: T) => {
      if (!match(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}

/** Resolves with the arguments of the first `count` emissions of `event`. */
export function collect<T extends unknown[] = any[]>(
  emitter: Listenable,
  event: string,
  count: number,
  { what = `${count} "${event}" events`, timeoutMs = SAFETY_NET_MS }: WaitOptions = {},
): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const received: T[] = [];
    const timer = safetyNet(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for ${what} (got ${received.length})`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      received.push(args as T);
      if (received.length < count) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(received);
    };
    emitter.on(event, listener);
  });
}

/** Resolves with the first argument of each of the first `count` emissions of `event`. */
export async function collectValues<T = unknown>(
  emitter: Listenable,
  event: string,
  count: number,
  options: WaitOptions = {},
): Promise<T[]> {
  return (await collect<[T]>(emitter, event, count, options)).map(([value]) => value);
}

/** Records every emission of `event` until `stop()` is called (for asserting that something did not happen). */
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

/** `promise`, or a rejection naming `what` after `timeoutMs`; for promises that may never settle. */
export function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = SAFETY_NET_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = safetyNet(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    }),
  ]);
}

/**
 * Polls `condition` until it holds, for state that changes without an event (server-side maps,
 * cluster membership). A condition that throws counts as "not yet"; its last error is reported.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = SAFETY_NET_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
    }
    await delay(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return delay(ms);
}
