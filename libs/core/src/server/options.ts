import type { OptionRules } from "../engine/option-check.js";
import { ENGINE_OPTION_RULES, type ReferenceOnlyOptions, type ServerOptions as EngineOptions } from "../engine/options.js";

/** A parser module with the `socket.io-parser` contract (e.g. `socket.io-msgpack-parser`). */
export interface ParserModule {
  Encoder: new () => { encode(packet: any): any[] };
  Decoder: new (
    opts?: any,
  ) => {
    add(chunk: any): void;
    destroy(): void;
    on(event: "decoded", listener: (packet: any) => void): unknown;
    removeListener?(event: "decoded", listener: (packet: any) => void): unknown;
    off?(event: "decoded", listener: (packet: any) => void): unknown;
  };
  protocol?: number;
}

export interface ConnectionStateRecoveryOptions {
  /** How long a disconnected session (and the packets it misses) is kept. @default 120000 */
  maxDisconnectionDuration?: number;
  /** Whether a recovered socket skips the namespace middlewares. @default true */
  skipMiddlewares?: boolean;
  /** Sockline: most packets kept in the replay log of a namespace. @default 10000 */
  maxPackets?: number;
  /** Sockline: most disconnected sessions kept per namespace. @default 100000 */
  maxSessions?: number;
}

/**
 * Limits Sockline adds on top of the reference behaviour. Reaching one closes that one connection
 * (maxChildNamespaces only refuses the CONNECT) and reports a diagnostic on `io.diagnostics`.
 */
export interface LimitOptions {
  /** Most binary attachments one packet may announce. @default 10 */
  maxAttachments?: number;
  /** Deepest JSON nesting accepted in an incoming payload. @default 100 */
  maxPayloadDepth?: number;
  /** Milliseconds a binary packet may wait for its attachments. @default 10000 */
  attachmentTimeout?: number;
  /**
   * Most bytes the attachments of one binary packet may add up to (they are held until the last
   * one arrives). @default the engine's `maxHttpBufferSize` (1e6)
   */
  maxAttachmentBytes?: number;
  /** Most server-to-client acknowledgements a socket may leave unanswered. @default 10000 */
  maxPendingAcks?: number;
  /**
   * Most child namespaces one parent namespace (`io.of(regex | fn)`) may create for clients'
   * CONNECTs; past it a CONNECT to a new name gets "Invalid namespace". Children the application
   * creates itself with `io.of(name)` are not counted. @default 1000
   */
  maxChildNamespaces?: number;
  /**
   * Most namespaces one connection may join (or be joining) at once; past it a CONNECT gets
   * CONNECT_ERROR "Too many namespaces on this connection" and a diagnostic, the connection and its
   * namespaces carry on. Without it one client could take a parent namespace's whole
   * `maxChildNamespaces` quota by itself. @default 100
   */
  maxNamespacesPerConnection?: number;
}

export interface ServerOptions extends Partial<EngineOptions>, ReferenceOnlyOptions, LimitOptions {
  /** Path of the engine and of the served client bundle. @default "/socket.io" */
  path?: string;
  /** Whether `/socket.io/socket.io.js` (and friends) are served from `socket.io-client`. @default true */
  serveClient?: boolean;
  /** Adapter constructor (`new adapter(namespace)`). @default Adapter, or SessionAwareAdapter with recovery */
  adapter?: any;
  /** Parser module. @default Sockline's own codec */
  parser?: ParserModule;
  /** Milliseconds an engine connection may stay without joining any namespace. @default 45000 */
  connectTimeout?: number;
  connectionStateRecovery?: ConnectionStateRecoveryOptions;
  /**
   * Whether a child namespace that a parent namespace created for a client's CONNECT is removed once
   * its last socket leaves (with connection state recovery, once it has stayed empty for
   * `maxDisconnectionDuration`). Children the application created with `io.of(name)` are kept.
   * @default true (the reference's default is false)
   */
  cleanupEmptyChildNamespaces?: boolean;
}

export const DEFAULT_LIMITS = Object.freeze({
  maxAttachments: 10,
  maxPayloadDepth: 100,
  attachmentTimeout: 10_000,
  maxPendingAcks: 10_000,
  maxChildNamespaces: 1000,
  maxNamespacesPerConnection: 100,
});

export const DEFAULT_CONNECT_TIMEOUT = 45_000;
export const DEFAULT_PATH = "/socket.io";

/** The options of the Socket.IO layer (the reference's and Sockline's limits): a missing or extra name is a compile error. */
const SOCKET_IO_OPTIONS: Record<Exclude<keyof ServerOptions, keyof EngineOptions | keyof ReferenceOnlyOptions>, true> = {
  serveClient: true,
  adapter: true,
  parser: true,
  connectTimeout: true,
  connectionStateRecovery: true,
  cleanupEmptyChildNamespaces: true,
  maxAttachments: true,
  maxPayloadDepth: true,
  attachmentTimeout: true,
  maxAttachmentBytes: true,
  maxPendingAcks: true,
  maxChildNamespaces: true,
  maxNamespacesPerConnection: true,
};

const RECOVERY_OPTIONS: Record<keyof ConnectionStateRecoveryOptions, true> = {
  maxDisconnectionDuration: true,
  skipMiddlewares: true,
  maxPackets: true,
  maxSessions: true,
};

/**
 * What `new Server(opts)` and `io.attach(srv, opts)` accept (see `checkOptions`): the engine's
 * options (which the engine gets too), the Socket.IO layer's, the sub-options of
 * `connectionStateRecovery`. The engine's own `diagnostics` is not one: the server shares its own.
 */
export const SERVER_OPTION_RULES: OptionRules = {
  known: new Set([...[...ENGINE_OPTION_RULES.known].filter((name) => name !== "diagnostics"), ...Object.keys(SOCKET_IO_OPTIONS)]),
  unsupported: ENGINE_OPTION_RULES.unsupported,
  nested: { ...ENGINE_OPTION_RULES.nested, connectionStateRecovery: new Set(Object.keys(RECOVERY_OPTIONS)) },
};
