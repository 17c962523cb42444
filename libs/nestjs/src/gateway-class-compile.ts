import { ModuleRef, type ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Module as NestModuleRef } from '@nestjs/core/injector/module.js';
import { compileGateway, guardClassesOf, type CompiledGateway, type Constructor } from '@sockline/gateway';
import {
  GatewayClassError,
  checkGatewayClasses,
  lacksConstructorTypes,
  requestScopedPath,
  type GatewayClassEntry,
} from './gateway-classes.js';

function moduleRefOf(host: NestModuleRef): ModuleRef {
  return host.providers.get(ModuleRef)!.instance as ModuleRef;
}

/** The provider of `token`: in the gateway's own module first, else in whichever module provides it. */
function providerOf(
  token: Constructor,
  gatewayHost: NestModuleRef,
  modules: ModulesContainer,
): { wrapper: InstanceWrapper; host: NestModuleRef } | undefined {
  const own = gatewayHost.providers.get(token);
  if (own) return { wrapper: own, host: gatewayHost };
  for (const host of modules.values()) {
    const wrapper = host.providers.get(token);
    if (wrapper) return { wrapper, host };
  }
  return undefined;
}

/**
 * A guard class named in the gateway's `@UseGuards`, built by Nest's injector: the provider's
 * instance when the class is a provider (so it is the guard the rest of the application gets),
 * else a new instance built in the gateway's module, with its constructor dependencies, as Nest
 * builds the guards of `@UseGuards` on its own gateways and controllers.
 */
async function buildGuard(guard: Constructor, entry: GatewayClassEntry, modules: ModulesContainer): Promise<object> {
  const gateway = entry.metatype.name;
  const provided = providerOf(guard, entry.host, modules);
  if (!provided && lacksConstructorTypes(guard)) {
    throw new GatewayClassError(
      gateway,
      `its guard ${guard.name} takes constructor parameters, but their types were not recorded, so Nest would build it without them: decorate the class with @Injectable() (TypeScript records parameter types only for decorated classes, with "emitDecoratorMetadata"), or list it in a module's providers`,
    );
  }
  try {
    if (!provided) return await moduleRefOf(entry.host).create(guard);
    const { wrapper, host } = provided;
    if (!wrapper.isDependencyTreeStatic()) {
      const path = requestScopedPath(wrapper) ?? [guard.name];
      throw new GatewayClassError(
        gateway,
        `its guard ${guard.name} is request-scoped (${path.join(' -> ')}): guards of a @Gateway are built once and run for every socket. Keep the guard in the default or transient scope`,
      );
    }
    // Transient: this consumer gets its own instance, as Nest gives each consumer.
    if (wrapper.isTransient) return await moduleRefOf(host).resolve(guard);
    return wrapper.instance as object;
  } catch (error) {
    if (error instanceof GatewayClassError) throw error;
    throw new GatewayClassError(gateway, `its guard ${guard.name} could not be built: ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  }
}

/**
 * Turns the application's `@Gateway` providers into compiled gateways, ready to wire: refuses what
 * would not run as declared (see `checkGatewayClasses`), builds their guard classes through Nest's
 * injector, then compiles every gateway before anything is wired (a decorator mistake fails the
 * start-up with nothing half-mounted), exactly as `mountGateways` does on Fastify and Express.
 */
export async function compileGatewayClasses(entries: readonly GatewayClassEntry[], modules: ModulesContainer): Promise<CompiledGateway[]> {
  checkGatewayClasses(entries);
  const compiled: CompiledGateway[] = [];
  for (const entry of entries) {
    const guards = new Map<Constructor, object>();
    for (const guard of guardClassesOf(entry.metatype)) guards.set(guard, await buildGuard(guard, entry, modules));
    compiled.push(
      compileGateway(entry.wrapper.instance as object, {
        factory: cls => {
          const guard = guards.get(cls);
          if (!guard) throw new GatewayClassError(entry.metatype.name, `no guard instance was built for ${cls.name}`);
          return guard;
        },
      }),
    );
  }
  return compiled;
}
