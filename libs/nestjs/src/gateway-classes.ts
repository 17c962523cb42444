import { Scope } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA } from '@nestjs/common/constants.js';
import type { ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Module as NestModuleRef } from '@nestjs/core/injector/module.js';
import { GATEWAY_METADATA, MESSAGE_MAPPING_METADATA } from '@nestjs/websockets/constants.js';
import { isGatewayClass, type Constructor } from '@sockline/gateway';

/** One `@Gateway` class (from `@sockline/gateway`) that a module of the application provides. */
export interface GatewayClassEntry {
  metatype: Constructor;
  /** Nest's record of the provider: its instance, scope and dependencies. */
  wrapper: InstanceWrapper;
  /** The module that provides it: its guards are built there. */
  host: NestModuleRef;
}

/** A `@Gateway` provider that cannot be mounted as declared; the message says why and what to do. */
export class GatewayClassError extends Error {
  constructor(
    readonly gateway: string,
    message: string,
    // not `ErrorOptions`: that type is in lib es2022 only, and the classic Nest tsconfig targets below it
    options?: { cause?: unknown },
  ) {
    super(`${gateway}: ${message}`, options);
    this.name = 'GatewayClassError';
  }
}

/**
 * The `@Gateway` classes provided by the application's modules, found as Nest finds its own
 * `@WebSocketGateway` classes: class providers (`providers: [ChatGateway]`, or `useClass`) whose
 * class carries the decorator. Aliases (`useExisting`) are the same provider and are skipped.
 */
export function findGatewayClasses(modules: ModulesContainer | undefined): GatewayClassEntry[] {
  if (!modules) return [];
  const entries: GatewayClassEntry[] = [];
  for (const host of modules.values()) {
    for (const wrapper of host.providers.values()) {
      if (wrapper.isAlias || wrapper.isNotMetatype || !isGatewayClass(wrapper.metatype)) continue;
      entries.push({ metatype: wrapper.metatype, wrapper, host });
    }
  }
  return entries;
}

/**
 * Nest's per-handler pipeline decorators: Nest runs them around `@WebSocketGateway` handlers only.
 * On a `@Gateway` class they would be silently ignored (as on Fastify and Express), so mounting
 * refuses them, saying what the class can use instead.
 */
const NEST_ONLY_DECORATORS: readonly { key: string; decorator: string; instead: string }[] = [
  {
    key: GUARDS_METADATA,
    decorator: "@UseGuards from '@nestjs/common'",
    instead: "use @UseGuards from '@sockline/gateway': its guard classes are built by Nest's injector, with their dependencies",
  },
  {
    key: PIPES_METADATA,
    decorator: '@UsePipes',
    instead: '@Payload() validates its DTO with class-validator already (options: @Gateway({ validation }) or @On(event, { validation }))',
  },
  {
    key: INTERCEPTORS_METADATA,
    decorator: '@UseInterceptors',
    instead:
      'interceptors run around @WebSocketGateway handlers only: move the cross-cutting code into the handler or a service, or use a @WebSocketGateway class',
  },
  {
    key: EXCEPTION_FILTERS_METADATA,
    decorator: '@UseFilters',
    instead:
      'a @Gateway answers errors in its own shape ({ error: { message, data? } }; WsException and HttpException are described like GatewayError): throw those instead',
  },
  {
    key: MESSAGE_MAPPING_METADATA,
    decorator: '@SubscribeMessage',
    instead: "handle the event with @On from '@sockline/gateway'",
  },
];

/** The class and every method of it (inherited ones too), as `[where, target]`, for metadata checks. */
function decoratedTargets(cls: Constructor): [string, object][] {
  const targets: [string, object][] = [[cls.name, cls]];
  const seen = new Set<string | symbol>(['constructor']);
  for (let p = cls.prototype as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Reflect.ownKeys(p)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const value = Object.getOwnPropertyDescriptor(p, name)?.value;
      if (typeof value === 'function') targets.push([`${cls.name}.${String(name)}`, value]);
    }
  }
  return targets;
}

function assertNoNestOnlyDecorators({ metatype }: GatewayClassEntry): void {
  if (Reflect.getMetadata(GATEWAY_METADATA, metatype)) {
    throw new GatewayClassError(
      metatype.name,
      'it is decorated with both @WebSocketGateway and @Gateway: a class is one or the other (keep @Gateway to run it on Fastify and Express too)',
    );
  }
  for (const [where, target] of decoratedTargets(metatype)) {
    for (const { key, decorator, instead } of NEST_ONLY_DECORATORS) {
      const value: unknown = Reflect.getMetadata(key, target);
      if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      throw new GatewayClassError(
        metatype.name,
        `Nest's ${decorator} on ${where} would not apply to a @Gateway class, which runs the same on Fastify, Express and Nest: ${instead}`,
      );
    }
  }
}

/** The chain of dependencies that makes `wrapper` request-scoped, e.g. `ChatGateway -> SessionService`. */
export function requestScopedPath(wrapper: InstanceWrapper, seen = new Set<InstanceWrapper>()): string[] | undefined {
  if (seen.has(wrapper)) return undefined;
  seen.add(wrapper);
  const name = String(wrapper.name ?? wrapper.token?.toString());
  if (wrapper.scope === Scope.REQUEST) return [name];
  const dependencies = [...(wrapper.getCtorMetadata() ?? []), ...(wrapper.getPropertiesMetadata() ?? []).map(p => p.wrapper)];
  for (const dependency of dependencies) {
    if (!dependency) continue;
    const path = requestScopedPath(dependency, seen);
    if (path) return [name, ...path];
  }
  return undefined;
}

/**
 * Whether Nest would build `cls` without its constructor arguments: it declares parameters, but
 * TypeScript recorded no types for them (only decorated classes get `design:paramtypes`, and only
 * with `emitDecoratorMetadata`) and no `@Inject()` names them. Nest would pass `undefined` silently.
 */
export function lacksConstructorTypes(cls: Constructor): boolean {
  return cls.length > 0 && !Reflect.getMetadata('design:paramtypes', cls) && !Reflect.getMetadata('self:paramtypes', cls);
}

/**
 * A `@Gateway` serves every socket of its namespace from one instance, built once by Nest's
 * injector. A request-scoped one would need an instance per event (Nest has no request for a
 * socket event); a transient one would be another instance than the one its consumers get, and
 * outside Nest's lifecycle hooks. Both are refused with the reason; transient *dependencies* are fine.
 */
function assertSingleton({ metatype, wrapper }: GatewayClassEntry): void {
  if (wrapper.isTransient) {
    throw new GatewayClassError(
      metatype.name,
      "a @Gateway cannot be TRANSIENT-scoped: one instance serves every socket of its namespace, and a transient provider would give each of its consumers another instance than the mounted one (outside Nest's lifecycle hooks). Leave it in the default scope; its dependencies may be transient",
    );
  }
  if (!wrapper.isDependencyTreeStatic()) {
    const path = requestScopedPath(wrapper);
    const cause = path && path.length > 1 ? ` (through ${path.join(' -> ')}, which is REQUEST-scoped)` : '';
    throw new GatewayClassError(
      metatype.name,
      `a @Gateway cannot be request-scoped${cause}: one instance serves every socket of its namespace, built once at start-up. Keep it in the default scope (its dependencies in the default or transient scope), and read per-connection state from the socket (socket.data, socket.handshake)`,
    );
  }
}

/**
 * Refuses, before anything is mounted, what would not run as declared: the same class provided by
 * two modules (each instance would answer every event), Nest-only decorators, request or transient scope.
 */
export function checkGatewayClasses(entries: readonly GatewayClassEntry[]): void {
  const hosts = new Map<Constructor, string>();
  for (const entry of entries) {
    const other = hosts.get(entry.metatype);
    if (other !== undefined) {
      throw new GatewayClassError(
        entry.metatype.name,
        `it is provided by two modules (${other} and ${entry.host.name}): each instance would answer every event of its namespace. Provide it in one module (export it to share it)`,
      );
    }
    hosts.set(entry.metatype, entry.host.name);
    assertNoNestOnlyDecorators(entry);
    assertSingleton(entry);
    if (lacksConstructorTypes(entry.metatype)) {
      throw new GatewayClassError(
        entry.metatype.name,
        'it takes constructor parameters, but their types were not recorded, so Nest built it without them: compile with "experimentalDecorators" and "emitDecoratorMetadata" (a build tool that drops decorator metadata, such as esbuild, has the same effect), or name each dependency with @Inject(token)',
      );
    }
  }
}
