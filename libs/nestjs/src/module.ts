import { Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OptionalFactoryDependency } from '@nestjs/common';
import { SOCKLINE_OPTIONS, type SocklineAdapterOptions } from './options.js';

export interface SocklineModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: any[]) => SocklineAdapterOptions | Promise<SocklineAdapterOptions>;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
}

/**
 * Configures the adapter from DI: `SocklineAdapter` reads these options when it is created with
 * the application (`new SocklineAdapter(app)`), so every gateway gets, say, the cluster adapter
 * built from your Redis clients without overriding `createIOServer`. Options passed to the
 * adapter's constructor override these.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot()
export class SocklineModule {
  static forRoot(options: SocklineAdapterOptions): DynamicModule {
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
