import { setTimeout as delay } from "node:timers/promises";

/**
 * Polls `condition` until it holds; fails with `description` after `timeoutMs`. Used to wait for cluster state
 * (subscriptions, membership) that settles asynchronously, without fixed sleeps.
 */
export async function waitFor(description: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    await delay(20);
  }
  throw new Error(`timed out waiting for ${description}${lastError ? `: ${(lastError as Error).message}` : ""}`);
}

/** Resolves with the first emission of `event` on `emitter`, rejects after `timeoutMs`. */
export function once<T = unknown[]>(
  emitter: { once(event: string, listener: (...args: any[]) => void): unknown; off?(event: string, listener: (...args: any[]) => void): unknown },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (...args: any[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      emitter.off?.(event, listener);
      reject(new Error(`timed out waiting for event "${event}"`));
    }, timeoutMs);
    emitter.once(event, listener);
  });
}
