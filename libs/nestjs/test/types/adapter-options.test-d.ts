/**
 * Type tests of @sockline/nestjs, compiled by TypeScript 5 (see test/support/type-tests.ts; never
 * run): the adapter's options (constructor and `SocklineModule.forRoot[Async]`), and the server it
 * creates being a core Server. Each `@ts-expect-error` line must be an error, or the check fails.
 */
import type { INestApplication } from '@nestjs/common';
import type { Server as HttpServer } from 'node:http';
import type { Namespace, Server } from '@sockline/core';
import { SocklineAdapter, SocklineModule, type SocklineAdapterOptions } from '@sockline/nestjs';

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectTrue<T extends true>(_proof?: T): void {}

export function adapterOptions(app: INestApplication, httpServer: HttpServer): void {
  new SocklineAdapter(app, {
    server: { pingInterval: 10_000, connectionStateRecovery: { maxDisconnectionDuration: 60_000 }, adapter: undefined },
    connectionGuards: true,
    guardsOnRecovery: false,
    ackErrors: true,
    globalFilters: true,
    awaitConnectionHook: true,
    mergeServerOptions: true,
    logDiagnostics: false,
  });
  new SocklineAdapter(app);
  new SocklineAdapter(httpServer);
  new SocklineAdapter();

  // @ts-expect-error a misspelt option is caught (connectionGuards)
  new SocklineAdapter(app, { connectionGuard: true });
  // @ts-expect-error the extras are booleans
  new SocklineAdapter(app, { ackErrors: 'yes' });
  // @ts-expect-error server options are the core's: pingInterval is a number
  new SocklineAdapter(app, { server: { pingInterval: '10s' } });
  // @ts-expect-error not an application or an HTTP server
  new SocklineAdapter('http://localhost:3000');
}

export function moduleOptions(): void {
  SocklineModule.forRoot({ connectionGuards: true, server: { maxHttpBufferSize: 1e6 } });
  SocklineModule.forRootAsync({
    inject: ['CONFIG'],
    useFactory: async (config: { recovery: boolean }): Promise<SocklineAdapterOptions> => ({ guardsOnRecovery: config.recovery }),
  });
  // @ts-expect-error forRoot takes the adapter's options
  SocklineModule.forRoot({ connectionGuards: 'always' });
  // @ts-expect-error the factory returns the adapter's options
  SocklineModule.forRootAsync({ useFactory: () => ({ server: { pingTimeout: 'long' } }) });
}

export function createdServers(adapter: SocklineAdapter): void {
  // what a gateway's @WebSocketServer() receives: a core Server, or its namespace
  const created: Server<any, any, any, any> | Namespace<any, any, any, any> = adapter.create(3000, { namespace: '/chat' });
  const io = adapter.createIOServer(3000, { pingInterval: 5_000 });
  expectTrue<Equal<typeof io, Server<any, any, any, any>>>();
  void created;
}
