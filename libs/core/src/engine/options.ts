/** Engine options, their defaults (the reference engine.io 6.x defaults) and their resolution. */
import type { IncomingMessage } from "node:http";
import { WebSocketServer, type PerMessageDeflateOptions } from "ws";
import type { HttpCompressionOptions } from "./compression.js";
import type { CookieOptions } from "./cookie.js";
import { COOKIE_OPTION_NAMES } from "./cookie.js";
import { CORS_OPTION_NAMES, type CorsOptions, type CorsOptionsDelegate } from "./cors.js";
import type { OptionRules } from "./option-check.js";
import type { SendData } from "./packet.js";
import type { SessionRouter } from "./session-routing.js";

export type TransportName = "polling" | "websocket";

/** `allowRequest` answers with `callback(errorMessage, allowed)`. */
export type AllowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void;

export interface ServerOptions {
  /** Milliseconds between two pings sent by the server. Default 25000. */
  pingInterval: number;
  /** Milliseconds to wait for the pong before closing with "ping timeout". Default 20000. */
  pingTimeout: number;
  /** Milliseconds for a polling session to complete its upgrade to WebSocket. Default 10000. */
  upgradeTimeout: number;
  /** Largest message (WebSocket) / POST body (polling) in bytes. Default 1e6. */
  maxHttpBufferSize: number;
  /** Transports accepted, in order. Default ["polling", "websocket"]. */
  transports: TransportName[];
  /** Whether polling sessions may upgrade to WebSocket. Default true. */
  allowUpgrades: boolean;
  /** WebSocket permessage-deflate (options of `ws`), or false. Default false. */
  perMessageDeflate: boolean | PerMessageDeflateOptions;
  /** gzip/deflate of polling responses, or false. Default { threshold: 1024 }. */
  httpCompression: boolean | HttpCompressionOptions;
  /** The session cookie (name = sid), or false. Default false. `true` means { name: "io", path: "/", httpOnly: true, sameSite: "lax" }. */
  cookie: boolean | CookieOptions;
  /** CORS, same shapes as the `cors` package (options or per-request delegate), or false (no CORS header at all). Default false. */
  cors: false | CorsOptions | CorsOptionsDelegate;
  /** Decides whether a handshake is accepted (403 code 4 otherwise). Default none. */
  allowRequest: AllowRequest | undefined;
  /** A message sent right after the open packet of every session. Default none. */
  initialPacket: SendData | undefined;
  /** Path the engine answers on when attached. Default "/engine.io". */
  path: string;
  /** Whether a trailing slash is added to `path` (`/engine.io/`). Default true. */
  addTrailingSlash: boolean;
  /** Destroy upgrade requests on other paths that nobody answered. Default true. */
  destroyUpgrade: boolean;
  /** Milliseconds before such an upgrade request is destroyed. Default 1000. */
  destroyUpgradeTimeout: number;
  /**
   * Sockline: most bytes a session may have waiting to go out (its write buffer, the unsent part
   * of a polling response, the WebSocket's unsent data). A send that finds more than this queued
   * closes the session ("transport buffer full"). Default 4 MiB; `Infinity` disables the bound.
   */
  maxBufferedBytes: number;
  /**
   * Sockline: most packets one polling POST body may carry. More: answered 400 and the session
   * closes ("transport error"). Default 1000.
   */
  maxPacketsPerPayload: number;
  /**
   * Sockline: milliseconds an upgrade may spend in the engine's `use()` middlewares (a session
   * store that stopped answering, a middleware that never calls `next`). Then it is answered
   * `408` and closed, and reported. Default 10000; `0` or `Infinity` lift the bound. (The
   * framework mounts bound their own hooks with `upgradeRoutingTimeout`.)
   */
  upgradeMiddlewareTimeout: number;
  /**
   * Whether clients of Engine.IO protocol 3 (socket.io-client 2.x, `EIO=3` or no `EIO` in the
   * query) may connect; they then speak protocol 3 (its payloads, its client-side ping). Default false.
   */
  allowEIO3: boolean;
  /**
   * Sockline: routes the requests of sessions another node owns to that node (no sticky sessions
   * needed; see `docs/session-routing.md`): `clusterRouter()` of `@sockline/core/cluster`, or the
   * Redis router of `@sockline/redis-adapter`. Default none: every session is looked up here only.
   */
  sessionRouter: SessionRouter | undefined;
  /**
   * Sockline: milliseconds a forwarded polling request waits for its owner's answer before it is
   * answered 400 "Session ID unknown" (the client reconnects). Default `pingInterval + pingTimeout
   * + 5000`: a held GET is answered by the owner within `pingInterval`.
   */
  forwardTimeout: number | undefined;
  /**
   * Sockline: most polling requests this node may have forwarded to other nodes and still wait for
   * (an upgrade is the router's once handed over: its bounds apply). More: answered 503 at once, and
   * reported. Default 10000.
   */
  maxPendingForwards: number;
}

/**
 * Options of the reference engine.io that Sockline accepts only with the values it supports (see
 * `ENGINE_OPTION_RULES`): the constructor throws for the others rather than ignore them.
 */
export interface ReferenceOnlyOptions {
  /** The WebSocket server implementation: Sockline always uses `ws` (only `ws`'s `WebSocketServer` is accepted). */
  wsEngine?: unknown;
}

export const DEFAULT_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  pingInterval: 25000,
  pingTimeout: 20000,
  upgradeTimeout: 10000,
  maxHttpBufferSize: 1e6,
  transports: ["polling", "websocket"],
  allowUpgrades: true,
  perMessageDeflate: false,
  httpCompression: { threshold: 1024 },
  cookie: false,
  cors: false,
  allowRequest: undefined,
  initialPacket: undefined,
  path: "/engine.io",
  addTrailingSlash: true,
  destroyUpgrade: true,
  destroyUpgradeTimeout: 1000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxPacketsPerPayload: 1000,
  upgradeMiddlewareTimeout: 10_000,
  allowEIO3: false,
  sessionRouter: undefined,
  forwardTimeout: undefined,
  maxPendingForwards: 10_000,
} as ServerOptions);

/** Every engine option, the reference's and Sockline's: a missing or extra name is a compile error. */
const ENGINE_OPTIONS: Record<keyof ServerOptions | keyof ReferenceOnlyOptions, true> = {
  pingInterval: true,
  pingTimeout: true,
  upgradeTimeout: true,
  maxHttpBufferSize: true,
  transports: true,
  allowUpgrades: true,
  perMessageDeflate: true,
  httpCompression: true,
  cookie: true,
  cors: true,
  allowRequest: true,
  initialPacket: true,
  path: true,
  addTrailingSlash: true,
  destroyUpgrade: true,
  destroyUpgradeTimeout: true,
  maxBufferedBytes: true,
  maxPacketsPerPayload: true,
  upgradeMiddlewareTimeout: true,
  sessionRouter: true,
  forwardTimeout: true,
  maxPendingForwards: true,
  allowEIO3: true,
  wsEngine: true,
};

/**
 * What the engine's constructor accepts (see `checkOptions`): its options (and `diagnostics`, the
 * reporter the Socket.IO server shares), the sub-options of `cors` and `cookie`, and the
 * reference's options Sockline does not implement, refused unless their value needs nothing.
 */
export const ENGINE_OPTION_RULES: OptionRules = {
  known: new Set([...Object.keys(ENGINE_OPTIONS), "diagnostics"]),
  unsupported: {
    wsEngine: (value) =>
      value === WebSocketServer || (typeof value === "function" && value.name === "WebSocketServer")
        ? undefined
        : 'the WebSocket server is always "ws" (another engine such as eiows or uWebSockets.js cannot be plugged in); remove it',
    transports: (value) =>
      Array.isArray(value) && value.includes("webtransport") ? 'WebTransport is not supported (only "polling" and "websocket")' : undefined,
  },
  nested: { cors: new Set(CORS_OPTION_NAMES), cookie: new Set(COOKIE_OPTION_NAMES) },
};

/** Options after defaults, with the sub-option objects completed. */
export interface ResolvedOptions extends ServerOptions {
  httpCompression: false | HttpCompressionOptions;
  cookie: false | (CookieOptions & { name: string });
  perMessageDeflate: false | PerMessageDeflateOptions;
}

export function resolveOptions(opts: Partial<ServerOptions> = {}): ResolvedOptions {
  const merged: ServerOptions = { ...DEFAULT_OPTIONS, transports: [...DEFAULT_OPTIONS.transports], ...stripUndefined(opts) };
  for (const t of merged.transports) {
    if (t !== "polling" && t !== "websocket") throw new TypeError(`unknown transport "${String(t)}" in the "transports" option`);
  }
  for (const name of ["maxBufferedBytes", "maxPacketsPerPayload", "maxPendingForwards"] as const) {
    const value = merged[name];
    if (typeof value !== "number" || !(value > 0))
      throw new TypeError(`the "${name}" option must be a positive number (or Infinity), got ${String(value)}`);
  }
  if (typeof merged.upgradeMiddlewareTimeout !== "number" || !(merged.upgradeMiddlewareTimeout >= 0))
    throw new TypeError(
      `the "upgradeMiddlewareTimeout" option must be a number of ms (0 or Infinity: no bound), got ${String(merged.upgradeMiddlewareTimeout)}`,
    );
  if (merged.forwardTimeout !== undefined && !(merged.forwardTimeout > 0))
    throw new TypeError(`the "forwardTimeout" option must be a positive number, got ${String(merged.forwardTimeout)}`);
  return {
    ...merged,
    httpCompression:
      merged.httpCompression === false ? false : { threshold: 1024, ...(merged.httpCompression === true ? {} : merged.httpCompression) },
    cookie: merged.cookie
      ? { name: "io", path: "/", httpOnly: true, sameSite: "lax", ...(merged.cookie === true ? {} : merged.cookie) }
      : false,
    perMessageDeflate: merged.perMessageDeflate
      ? { threshold: 1024, ...(merged.perMessageDeflate === true ? {} : merged.perMessageDeflate) }
      : false,
  };
}

function stripUndefined<T extends object>(opts: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(opts) as (keyof T)[]) {
    if (opts[key] !== undefined) out[key] = opts[key];
  }
  return out;
}

/** The request path the engine answers on, e.g. "/engine.io/". */
export function computePath(path: string, addTrailingSlash: boolean): string {
  const base = path.replace(/\/$/, "");
  return addTrailingSlash ? base + "/" : base;
}
