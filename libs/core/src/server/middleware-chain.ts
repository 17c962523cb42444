/** An express-style middleware: calls `next()` to go on, `next(err)` to stop the chain with an error. */
export type ChainedMiddleware<Arg, Err extends Error = Error> = (arg: Arg, next: (err?: Err) => void) => void;

/**
 * Runs `fns` one after the other on `arg`, then `done()`; the first error stops the chain and goes to `done(err)`.
 * Callers pass a copy of their list when middlewares may be added while the chain runs.
 */
export function runMiddlewareChain<Arg, Err extends Error>(
  fns: ReadonlyArray<ChainedMiddleware<Arg, Err>>,
  arg: Arg,
  done: (err?: Err) => void,
): void {
  if (fns.length === 0) return done();
  const step = (i: number): void => {
    fns[i]!(arg, (err) => {
      if (err) return done(err);
      if (i + 1 >= fns.length) return done();
      step(i + 1);
    });
  };
  step(0);
}
