import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * Loads `exportName` of an optional sibling package (`@sockline/express` or `@sockline/fastify`) on first use and
 * synchronously: Nest's `create()` is synchronous, and Node >= 20.19 can `require` an ES module. An application on
 * one platform never loads the other's mount. `neededFor` says what needs it, for the error message.
 */
export function requireOptionalExport<T>(packageName: string, exportName: string, neededFor: string): T {
  let loaded: Record<string, unknown>;
  try {
    loaded = requireHere(packageName) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(
      `SocklineAdapter: ${neededFor} needs "${packageName}", which could not be loaded; install it next to @sockline/nestjs`,
      { cause },
    );
  }
  if (typeof loaded[exportName] !== 'function') {
    throw new Error(`SocklineAdapter: "${packageName}" does not export ${exportName}(); update it`);
  }
  return loaded[exportName] as T;
}
