import type { Server as HttpServer } from 'node:http';
import { Logger, type ExceptionFilter, type INestApplicationContext } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA } from '@nestjs/common/constants.js';
import { AbstractWsAdapter, type GatewayMetadata } from '@nestjs/websockets';
import type { WsMessageHandler } from '@nestjs/common/interfaces/websockets/web-socket-adapter.interface.js';
import type { Observable } from 'rxjs';
import { Server, type Namespace, type Socket } from '@sockline/core';
import { logDiagnostics } from '@sockline/core/integration';
import { bindEventHandlers, gateSocket, wireGateways, type EventBinding, type GatewaySocket } from '@sockline/gateway';
import type { ModulesContainer } from '@nestjs/core';
import createDebug from 'debug';
import { applicationModules, optionalProvider } from './container.js';
import { connectionGuardMiddleware } from './connection-guards.js';
import { ConnectionHookTracker } from './connection-hooks.js';
import {
  NEST_ERROR_DESCRIBERS,
  SocklineWsExceptionFilter,
  registerFallbackOptions,
  reportConnectionHookError,
  type FallbackFilterOptions,
} from './errors.js';
import { findGatewayClasses } from './gateway-classes.js';
import { compileGatewayClasses } from './gateway-class-compile.js';
import { SocklineModule, type GatewayClassHost } from './module.js';
import { discoverGateways, namespaceKey, serverKey, type GatewayEntry } from './gateway-registry.js';
import { mountOnHttpServer, mountOnOwnPort, type Mount } from './mounting.js';
import { mountThroughFastify, type FastifyLike } from './fastify-mounting.js';
import { mountThroughExpress } from './express-mounting.js';
import { SOCKLINE_OPTIONS, type SocklineAdapterOptions } from './options.js';
import { ignoredOptions, mergeGatewayServerOptions, serverOptionsOf } from './server-options.js';

const debug = createDebug('sockline:nestjs:adapter');

type AnyServer = Server<any, any, any, any>;
type AnyNamespace = Namespace<any, any, any, any>;
type AnySocket = Socket<any, any, any, any>;

/** What Nest passes to `create()`: the gateway's options, plus the shared server for namespaced gateways. */
export type GatewayCreateOptions = GatewayMetadata & { server?: unknown };

interface CreatedServer {
  io: AnyServer;
  options: Record<string, unknown>;
  mount: Mount;
  /** Stops logging the server's diagnostics (undefined when they are not logged). */
  stopLogging: (() => void) | undefined;
}

/** The context of the diagnostics' log lines (limits reached, protocol violations). */
export const DIAGNOSTICS_LOG_CONTEXT = 'Sockline';

function isApplicationContext(value: unknown): value is INestApplicationContext {
  return typeof value === 'object' && value !== null && typeof (value as INestApplicationContext).get === 'function';
}

/** `SocklineModule`'s options when it is imported; the adapter works the same without it. */
function optionsFromContainer(modules: ModulesContainer | undefined): SocklineAdapterOptions {
  return optionalProvider<SocklineAdapterOptions>(modules, SOCKLINE_OPTIONS) ?? {};
}

/**
 * Runs stock `@WebSocketGateway` classes on `@sockline/core`:
 * `app.useWebSocketAdapter(new SocklineAdapter(app, options))`. Without options it behaves like
 * Nest's `IoAdapter`; the opt-in extras are described on `SocklineAdapterOptions`.
 */
export class SocklineAdapter extends AbstractWsAdapter<any, any, GatewayCreateOptions> implements GatewayClassHost {
  // (Nest's type parameters require `close()` on servers and clients; namespaces and sockets have
  // none, so the methods below carry the precise types instead.)
  private readonly logger = new Logger(SocklineAdapter.name);
  private readonly diagnosticsLogger = new Logger(DIAGNOSTICS_LOG_CONTEXT);
  private readonly app: INestApplicationContext | undefined;
  private readonly options: SocklineAdapterOptions;
  private readonly gateways: GatewayEntry[];
  private readonly servers = new Map<string, CreatedServer>();
  private readonly guardedNamespaces = new Set<string>();
  private readonly connectionHooks = new ConnectionHookTracker();
  private gatewayClassesMounted: Promise<void> | undefined;

  constructor(appOrHttpServer?: INestApplicationContext | HttpServer, options: SocklineAdapterOptions = {}) {
    super(appOrHttpServer);
    this.app = isApplicationContext(appOrHttpServer) ? appOrHttpServer : undefined;
    const modules = this.app ? applicationModules(this.app) : undefined;
    this.options = { ...optionsFromContainer(modules), ...options };
    // The gateways exist already (Nest builds them before `app.init()` wires them): the extras
    // that must act before Nest compiles the handlers are installed here.
    this.gateways = discoverGateways(modules);
    const extras = ['connectionGuards', 'ackErrors', 'awaitConnectionHook', 'mergeServerOptions', 'globalFilters'] as const;
    if (!this.app && extras.some(extra => this.options[extra])) {
      this.logger.warn(
        'SocklineAdapter: the opt-in extras need the Nest application: create the adapter with `new SocklineAdapter(app, options)`',
      );
    }
    if (this.options.ackErrors || this.options.globalFilters) this.installFallbackFilter();
    if (this.options.awaitConnectionHook) this.connectionHooks.wrap(this.gateways);
    this.warnAboutUnmountedGatewayClasses(modules);
  }

  /**
   * Mounts the application's `@Gateway` providers (classes of `@sockline/gateway`, built by Nest's
   * injector) on the server of the application's port and default path: the one a
   * `@WebSocketGateway()` without port and path gets, with the `server` options. They run exactly as
   * on Fastify and Express (the gateway package's own wiring), with Nest's `WsException` and
   * `HttpException` described like `GatewayError`. `SocklineModule` calls this during `app.init()`;
   * it mounts once, and a refusal (see `GatewayClassError`) fails the start-up with nothing mounted.
   */
  mountGatewayClasses(modules: ModulesContainer): Promise<void> {
    return (this.gatewayClassesMounted ??= this.mountDiscoveredGatewayClasses(modules));
  }

  create(port: number, options: GatewayCreateOptions = {}): AnyServer | AnyNamespace {
    const { namespace, server, ...serverOptions } = options;
    const io = server instanceof Server ? (server as AnyServer) : this.serverFor(port, serverOptions);
    return this.namespaceOf(io, port, serverOptions.path, namespace);
  }

  /** Builds and mounts one server. Override to customise it; prefer `options.server` for options. */
  createIOServer(port: number, options: Record<string, unknown>): AnyServer {
    const { io, mount } = this.mountNewServer(port, options);
    if (this.options.ackErrors || this.options.globalFilters) registerFallbackOptions(io, this.fallbackOptions());
    // Rate-limited warn lines through Nest's logger (the Express / Fastify mounts are told not to log them too).
    const stopLogging =
      this.options.logDiagnostics === false
        ? undefined
        : logDiagnostics(io.diagnostics, (diagnostic, message) => this.diagnosticsLogger.warn(message, diagnostic));
    this.servers.set(serverKey(port, options.path as string | undefined), { io, options, mount, stopLogging });
    return io;
  }

  override bindClientConnect(server: AnyServer | AnyNamespace, callback: Function): void {
    server.on('connection', callback as (socket: AnySocket) => void);
  }

  bindMessageHandlers(socket: AnySocket, handlers: WsMessageHandler[], transform: (data: unknown) => Observable<unknown>): void {
    const hook = this.connectionHooks.take(socket);
    const ready = hook ? gateSocket(socket as unknown as GatewaySocket, hook, reportConnectionHookError) : undefined;
    const bindings: EventBinding[] = handlers.map(({ message, callback, isAckHandledManually }) => ({
      event: String(message),
      // Nest hands the ack to every handler; `@Ack()` ones answer by themselves only.
      ackMode: isAckHandledManually ? 'handler' : 'either',
      // Nest's context (guards, pipes, interceptors, filters) is inside `callback`; `transform`
      // turns its value, Promise or Observable into one Observable, delivered value by value.
      invoke: (_socket, payload, ack) => transform(callback(payload, ack)),
    }));
    // Errors were already reported by Nest's exception filters (or our fallback filter).
    bindEventHandlers(socket as unknown as GatewaySocket, bindings, { errors: 'none', ackNil: false, ready });
  }

  /** Nest >= 12.5: drops a client that connected before the application finished starting. */
  closeClient(client: AnySocket): void {
    client.disconnect(true);
  }

  override async close(server: AnyServer | AnyNamespace): Promise<void> {
    for (const [key, created] of this.servers) {
      if (created.io !== server) continue;
      this.servers.delete(key);
      await this.closeServer(created);
    }
  }

  override async dispose(): Promise<void> {
    const remaining = [...this.servers.values()];
    this.servers.clear();
    this.guardedNamespaces.clear();
    await Promise.all(remaining.map(created => this.closeServer(created)));
  }

  private async closeServer({ io, mount, stopLogging }: CreatedServer): Promise<void> {
    // As Nest's IoAdapter: no DISCONNECT packets ("io server disconnect" would stop clients from
    // reconnecting after a restart); `io.close()` ends every session with a clean "transport close"
    // before it returns, so the HTTP server does not wait on clients either.
    await io.close();
    stopLogging?.();
    await mount.close();
    debug('closed the server on %s', io.path());
  }

  private async mountDiscoveredGatewayClasses(modules: ModulesContainer): Promise<void> {
    const entries = findGatewayClasses(modules);
    if (entries.length === 0) return;
    const compiled = await compileGatewayClasses(entries, modules);
    const io = this.serverFor(0, {});
    await wireGateways(io, compiled, { describers: NEST_ERROR_DESCRIBERS });
    for (const gateway of compiled) {
      // The lines Nest logs for its own gateways, so the start-up log lists every event handled.
      for (const { event } of gateway.bindings) this.logger.log(`${gateway.name} subscribed to the "${event}" message`);
    }
  }

  /** `@Gateway` providers are mounted by SocklineModule: without it they would silently serve nothing. */
  private warnAboutUnmountedGatewayClasses(modules: ModulesContainer | undefined): void {
    if (!modules || [...modules.values()].some(moduleRef => moduleRef.metatype === SocklineModule)) return;
    const names = findGatewayClasses(modules).map(entry => entry.metatype.name);
    if (names.length === 0) return;
    this.logger.warn(
      `the @Gateway classes ${names.join(', ')} are providers, but SocklineModule is not imported, so nothing mounts them: add SocklineModule (or SocklineModule.forRoot(options)) to your application module's imports`,
    );
  }

  private serverFor(port: number, gatewayOptions: Record<string, unknown>): AnyServer {
    // Where the server is served (the key `createIOServer` records it under): the gateway's path,
    // else the one of the `server` option, else the default.
    const path = (gatewayOptions.path as string | undefined) ?? this.options.server?.path;
    const key = serverKey(port, path);
    const existing = this.servers.get(key);
    if (existing) return existing.io;
    const sharing = this.gateways.filter(g => g.port === port && serverKey(g.port, g.options.path ?? this.options.server?.path) === key);
    let options: Record<string, unknown>;
    if (this.options.mergeServerOptions && sharing.length > 0) {
      options = mergeGatewayServerOptions(sharing, `port ${port || 'of the application'} path ${path ?? '/socket.io'}`);
    } else {
      options = gatewayOptions;
      this.warnAboutIgnoredOptions(sharing, options);
    }
    return this.createIOServer(port, { ...this.options.server, ...options });
  }

  private warnAboutIgnoredOptions(sharing: readonly GatewayEntry[], used: Record<string, unknown>): void {
    const creator = sharing.find(g => Object.keys(serverOptionsOf(g)).every(k => k in used));
    for (const gateway of sharing) {
      if (gateway === creator) continue;
      const ignored = ignoredOptions(used, gateway);
      if (ignored.length > 0) {
        this.logger.warn(
          `${gateway.metatype.name} shares its Socket.IO server with other gateways; its options ${ignored
            .map(k => `"${k}"`)
            .join(', ')} differ from the server's and are ignored (set "mergeServerOptions" to merge them or fail on conflicts)`,
        );
      }
    }
  }

  private namespaceOf(
    io: AnyServer,
    port: number,
    path: string | undefined,
    namespace: string | RegExp | undefined,
  ): AnyServer | AnyNamespace {
    if (this.options.connectionGuards) this.guardNamespace(io, port, path, namespace);
    if (namespace === undefined || namespaceKey(namespace) === '/') return namespace === undefined ? io : io.of('/');
    return io.of(namespace as string);
  }

  private guardNamespace(io: AnyServer, port: number, path: string | undefined, namespace: string | RegExp | undefined) {
    const nsKey = namespaceKey(namespace);
    const key = `${serverKey(port, path)}|${nsKey}`;
    if (this.guardedNamespaces.has(key)) return;
    const gateways = this.gateways.filter(g => g.port === port && g.options.path === path && namespaceKey(g.options.namespace) === nsKey);
    const middleware = connectionGuardMiddleware(gateways);
    if (!middleware) return;
    this.guardedNamespaces.add(key);
    const nsp = nsKey === '/' ? io.of('/') : io.of(namespace as string);
    // Recovery skips plain middleware; guards are authorization, asked again unless opted out.
    nsp.use(middleware as unknown as Parameters<AnyNamespace['use']>[0], { runOnRecovery: this.options.guardsOnRecovery !== false });
  }

  private mountNewServer(port: number, options: Record<string, unknown>): { io: AnyServer; mount: Mount } {
    if (port !== 0) {
      const io: AnyServer = new Server(options);
      return { io, mount: mountOnOwnPort(io, port) };
    }
    const httpAdapter = (this.app as { getHttpAdapter?(): { getType(): string; getInstance(): unknown } } | undefined)?.getHttpAdapter?.();
    if (httpAdapter?.getType() === 'fastify') {
      return mountThroughFastify(httpAdapter.getInstance() as FastifyLike, options);
    }
    if (httpAdapter?.getType() === 'express' && this.httpServer) {
      return mountThroughExpress(httpAdapter.getInstance(), this.httpServer as HttpServer, options);
    }
    if (!this.httpServer) {
      throw new Error(
        'SocklineAdapter: this gateway has no port and the application has no HTTP server to share; give the gateway a port or create the adapter with the Nest application',
      );
    }
    const io: AnyServer = new Server(options);
    return { io, mount: mountOnHttpServer(io, this.httpServer as HttpServer) };
  }

  /** What the fallback filter does for this adapter's servers (see `registerFallbackOptions`). */
  private fallbackOptions(): FallbackFilterOptions {
    const app = this.app as { config?: { getGlobalFilters?(): ExceptionFilter[] } } | undefined;
    return {
      ackErrors: this.options.ackErrors ?? false,
      // Read at each error: global filters may be added after the adapter is created.
      globalFilters: this.options.globalFilters ? () => app?.config?.getGlobalFilters?.() ?? [] : undefined,
    };
  }

  private installFallbackFilter(): void {
    for (const { metatype } of this.gateways) {
      const existing: unknown[] = Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, metatype) ?? [];
      if (existing.some(f => f instanceof SocklineWsExceptionFilter)) continue;
      // Nest tries class filters last-declared first, so the first entry is the last resort.
      Reflect.defineMetadata(EXCEPTION_FILTERS_METADATA, [new SocklineWsExceptionFilter(), ...existing], metatype);
    }
  }
}
