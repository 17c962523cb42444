import type { InjectionToken, INestApplicationContext } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';

/**
 * Read-only lookups in a Nest application's module container that never throw.
 *
 * `NestFactory.create()` wraps the application in a proxy that runs every method call in Nest's
 * exceptions zone: with the default `abortOnError`, a call that throws (`app.get()` of a token
 * nobody provides) exits the process before a try/catch around it can see anything. So optional
 * providers are never looked up with `app.get()`: only `ModulesContainer`, which Nest's own core
 * module always provides, is; the rest are plain Map reads.
 */
export function applicationModules(app: INestApplicationContext): ModulesContainer | undefined {
  try {
    return app.get(ModulesContainer, { strict: false });
  } catch {
    // Not a Nest application context (an object that merely has `get`): nothing to look up.
    return undefined;
  }
}

/**
 * The instance of an optional provider, from whichever module provides it (a global module's
 * export is the usual case), or `undefined` when no module does or it is not built yet.
 */
export function optionalProvider<T>(modules: ModulesContainer | undefined, token: InjectionToken): T | undefined {
  if (!modules) return undefined;
  for (const moduleRef of modules.values()) {
    const instance = moduleRef.providers.get(token)?.instance;
    if (instance !== undefined && instance !== null) return instance as T;
  }
  return undefined;
}
