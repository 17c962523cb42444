/**
 * The parts of a Socket.IO server this package touches, written structurally so the compile step
 * works on `@sockline/core`'s `Server` (and, for the Nest adapter, on whatever socket Nest hands
 * over) without importing a concrete class. `@sockline/core` satisfies these shapes as it mirrors
 * the reference `socket.io` 4.x API.
 */

/** The error a namespace middleware hands to `next()`; the client gets it as `connect_error`. */
export interface ConnectError extends Error {
  data?: unknown;
}

/** The acknowledgement callback Socket.IO appends to the arguments when the client asked for one. */
export type AckCallback = (...args: unknown[]) => void;

export interface GatewaySocket {
  readonly id: string;
  readonly connected: boolean;
  /** Whether the socket got its previous session back (connection state recovery). */
  readonly recovered?: boolean;
  readonly handshake: { auth: Record<string, unknown>; headers: Record<string, unknown>; query: unknown };
  readonly nsp: { readonly name: string };
  data: unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
  disconnect(close?: boolean): unknown;
}

export type NamespaceMiddleware<S extends GatewaySocket = GatewaySocket> = (socket: S, next: (err?: ConnectError) => void) => void;

/** `runOnRecovery`: the middleware runs for recovered sockets too (`@sockline/core`'s `use` option). */
export interface NamespaceMiddlewareOptions {
  runOnRecovery?: boolean;
}

/**
 * What a gateway needs of a namespace (a `Namespace` of `@sockline/core` has it). The decorator that
 * fills a property with it is `@GatewayNamespace()`: the type keeps the `Like` suffix so that each
 * name means one thing.
 */
export interface GatewayNamespaceLike<S extends GatewaySocket = GatewaySocket> {
  readonly name: string;
  use(fn: NamespaceMiddleware<S>, options?: NamespaceMiddlewareOptions): unknown;
  on(event: 'connection', listener: (socket: S) => void): unknown;
}

export interface GatewayServer<S extends GatewaySocket = GatewaySocket> {
  of(name: string | RegExp): GatewayNamespaceLike<S>;
}

/** A class whose instances are gateways (or guards): any constructor. */
export type Constructor<T extends object = object> = new (...args: any[]) => T;
