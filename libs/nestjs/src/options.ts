import type { ServerOptions } from '@sockline/core';

/** DI token holding `SocklineAdapterOptions` (provided by `SocklineModule.forRoot[Async]`). */
export const SOCKLINE_OPTIONS = Symbol.for('sockline:nestjs:options');

/**
 * Options of `new SocklineAdapter(app, options)`. Everything below `server` is opt-in: with the
 * defaults the adapter behaves like Nest's reference `IoAdapter`.
 */
export interface SocklineAdapterOptions {
  /**
   * Server options applied to every server the adapter creates, under each gateway's own options.
   * This is where the cluster adapter goes (`{ adapter: createAdapter(...) }`), so that every
   * gateway gets it without overriding `createIOServer`.
   */
  server?: Partial<ServerOptions>;
  /**
   * Run the guards on the gateway class (and on its `handleConnection` method) at connection, as
   * namespace middleware: a refused client gets `connect_error` with the guard's message and never
   * connects (nestjs/nest#882). They run again when a session is recovered (see `guardsOnRecovery`).
   */
  connectionGuards?: boolean;
  /**
   * With `connectionGuards`: run them again when a client's session is restored by connection
   * state recovery (which skips namespace middleware, the Socket.IO default `skipMiddlewares`):
   * a token may have expired or been revoked while the client was away, and a refused client gets
   * `connect_error` instead of its session. Default true; false restores sessions without asking.
   */
  guardsOnRecovery?: boolean;
  /**
   * Report errors (validation failures, `WsException`, guard refusals, handler throws) in the ack
   * as `{ error: { message, data? } }` when the client asked for one, and give `HttpException`s
   * (e.g. from `ValidationPipe`) their real message and details instead of "Internal server
   * error". Your own exception filters still take precedence. (#249, #2115, #10883, #3476, #13190)
   */
  ackErrors?: boolean;
  /**
   * Apply the application's global exception filters (`app.useGlobalFilters()`, `APP_FILTER`) to
   * gateway errors too, after the gateway's own `@UseFilters` (Nest ignores them for gateways,
   * #15285). Those filters then see `host.getType() === 'ws'` and must handle it.
   */
  globalFilters?: boolean;
  /**
   * Await `handleConnection` before dispatching the socket's events; if it throws, the client gets
   * an `exception` event with the reason and is disconnected (no unhandled rejection).
   */
  awaitConnectionHook?: boolean;
  /**
   * Gateways that share a server (same port and path) have their server options merged; two
   * different values for one option stop the application at start-up with the names of both
   * gateways. Without it, a differing option of a later gateway is logged as ignored, as Nest
   * itself would silently drop it. (#3858, #14787, #7649)
   */
  mergeServerOptions?: boolean;
  /**
   * Whether the servers' diagnostics (every limit reached and protocol violation, see
   * `io.diagnostics`) are logged at warn through Nest's `Logger`, context "Sockline", at most 10
   * lines per 10 s plus a count of the rest. Default true.
   */
  logDiagnostics?: boolean;
}
