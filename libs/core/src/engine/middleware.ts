/** Express-style middlewares run before the engine handles a request (`engine.use()`). */
import type { IncomingMessage, ServerResponse } from "node:http";

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Runs the middlewares in order. `done` is called once: with the first error, or
 * with nothing when the last one called `next()`. A middleware that answers the
 * request itself (and never calls `next`) ends the chain: `done` is not called.
 */
export function runMiddlewares(
  middlewares: readonly Middleware[],
  req: IncomingMessage,
  res: ServerResponse,
  done: (err?: unknown) => void,
): void {
  let index = 0;
  const step = (err?: unknown): void => {
    if (err !== undefined && err !== null) return done(err);
    if (index === middlewares.length) return done();
    const middleware = middlewares[index++]!;
    let called = false;
    const next = (nextErr?: unknown) => {
      if (called) return; // a middleware calling next() twice must not run the chain twice
      called = true;
      step(nextErr);
    };
    try {
      const result: unknown = middleware(req, res, next);
      if (result instanceof Promise) result.catch((e: unknown) => next(e ?? new Error("middleware rejected")));
    } catch (e) {
      next(e ?? new Error("middleware threw"));
    }
  };
  step();
}
