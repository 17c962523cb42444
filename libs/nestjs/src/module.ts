import {
  Module,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type NestModule,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { ApplicationConfig, ModulesContainer } from '@nestjs/core';
import { findGatewayClasses } from './gateway-classes.js';
import { SOCKLINE_OPTIONS, type SocklineAdapterOptions } from './options.js';

export interface SocklineModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: any[]) => SocklineAdapterOptions | Promise<SocklineAdapterOptions>;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
}

/** What `SocklineModule` asks of the application's WebSocket adapter: `SocklineAdapter` has it. */
export interface GatewayClassHost {
  /** Mounts every `@Gateway` provider of the application, once (later calls share the first). */
  mountGatewayClasses(modules: ModulesContainer): Promise<void>;
}

function isGatewayClassHost(adapter: unknown): adapter is GatewayClassHost {
  return typeof (adapter as Partial<GatewayClassHost> | null)?.mountGatewayClasses === 'function';
}

/**
 * Runs `@Gateway` classes from `@sockline/gateway` in the application, and configures the adapter
 * from DI. Import it once (`SocklineModule`, `SocklineModule.forRoot(options)` or
 * `forRootAsync(...)`) and declare your `@Gateway` classes in the `providers` of the module that
 * holds their dependencies, as you would a `@WebSocketGateway`: Nest builds them, and this module
 * mounts them on the server of `SocklineAdapter` when the application initialises.
 *
 * The options (`forRoot`) are read by `SocklineAdapter` when it is created with the application
 * (`new SocklineAdapter(app)`), so every gateway gets, say, the cluster adapter built from your
 * Redis clients without overriding `createIOServer`. Options passed to the adapter's constructor
 * override these.
 */
@Module({})
export class SocklineModule implements NestModule {
  constructor(
    private readonly modules: ModulesContainer,
    private readonly config: ApplicationConfig,
  ) {}

  /**
   * Mounts the `@Gateway` providers. Nest calls `configure()` of every module in `app.init()`, right
   * after it wired its own gateways and before it registers middleware and routes: the moment Nest
   * gateways are created, so both kinds share servers and, on Express, the engine path comes before
   * your controllers for both. (Every import of the module calls it; the adapter mounts once.)
   */
  async configure(): Promise<void> {
    const adapter = this.config.getIoAdapter();
    if (isGatewayClassHost(adapter)) return adapter.mountGatewayClasses(this.modules);
    const gateways = findGatewayClasses(this.modules).map(entry => entry.metatype.name);
    if (gateways.length === 0) return;
    throw new Error(
      `SocklineModule: the @Gateway classes ${gateways.join(', ')} run on SocklineAdapter, but the application's WebSocket adapter is ${
        adapter ? (adapter as object).constructor.name : 'not set'
      }: call app.useWebSocketAdapter(new SocklineAdapter(app)) before app.init() or app.listen()`,
    );
  }

  static forRoot(options: SocklineAdapterOptions = {}): DynamicModule {
    return {
      module: SocklineModule,
      global: true,
      providers: [{ provide: SOCKLINE_OPTIONS, useValue: options }],
      exports: [SOCKLINE_OPTIONS],
    };
  }

  static forRootAsync(options: SocklineModuleAsyncOptions): DynamicModule {
    return {
      module: SocklineModule,
      global: true,
      imports: options.imports ?? [],
      providers: [{ provide: SOCKLINE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      exports: [SOCKLINE_OPTIONS],
    };
  }
}
