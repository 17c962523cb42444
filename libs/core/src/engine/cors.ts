/**
 * CORS as an engine middleware, configured with the same option shape as the
 * `cors` package. Nothing is added unless the `cors` option is set.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Middleware } from "./middleware.js";

export type CorsOrigin = boolean | string | RegExp | ReadonlyArray<string | RegExp>;

export type CorsOriginFunction = (origin: string | undefined, callback: (err: Error | null, origin?: CorsOrigin) => void) => void;

/** Per-request options, as the `cors` package accepts: `callback(err, options)`. */
export type CorsOptionsDelegate = (req: IncomingMessage, callback: (err: Error | null, options?: CorsOptions) => void) => void;

export interface CorsOptions {
  /**
   * Allowed origin(s): `"*"` (the default) allows any; a string is sent as is; `true`, a RegExp or
   * an array reflect the request's origin when it matches; a function decides per origin. A falsy
   * value (`false`, `undefined` set explicitly, `""`) adds no CORS header at all, as `cors` does.
   */
  origin?: CorsOrigin | CorsOriginFunction | null | undefined;
  /** Default "GET,HEAD,PUT,PATCH,POST,DELETE". */
  methods?: string | readonly string[];
  /** Default: reflect the `Access-Control-Request-Headers` of the preflight. */
  allowedHeaders?: string | readonly string[];
  /** The `cors` package's other name for `allowedHeaders` (used when `allowedHeaders` is not set). */
  headers?: string | readonly string[];
  exposedHeaders?: string | readonly string[];
  /** `true` sends `Access-Control-Allow-Credentials: true`. */
  credentials?: boolean;
  /** Seconds a preflight may be cached (`Access-Control-Max-Age`). */
  maxAge?: number | string;
  /** Pass the preflight to the next handler instead of answering it. Default false. */
  preflightContinue?: boolean;
  /** Status of a successful preflight. Default 204. */
  optionsSuccessStatus?: number;
}

/** The option names of the `cors` package (the unknown-option check knows them). */
export const CORS_OPTION_NAMES: readonly string[] = [
  "origin",
  "methods",
  "allowedHeaders",
  "headers",
  "exposedHeaders",
  "credentials",
  "maxAge",
  "preflightContinue",
  "optionsSuccessStatus",
];

const DEFAULTS = { origin: "*", methods: "GET,HEAD,PUT,PATCH,POST,DELETE", preflightContinue: false, optionsSuccessStatus: 204 } as const;

/** A list option as a header value (arrays joined by ","); empty when nothing is listed. */
function list(value: string | readonly string[] | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : value.join(",");
}

function isOriginAllowed(origin: string, allowed: CorsOrigin): boolean {
  if (Array.isArray(allowed)) return allowed.some((one) => isOriginAllowed(origin, one));
  if (typeof allowed === "string") return origin === allowed;
  if (allowed instanceof RegExp) return allowed.test(origin);
  return Boolean(allowed);
}

/** Adds `field` to `Vary` unless it is there already (names compared without case) or `Vary` is `*`. */
function appendVary(res: ServerResponse, field: string): void {
  const current = res.getHeader("Vary");
  if (current === undefined) return void res.setHeader("Vary", field);
  const fields = String(current)
    .split(/\s*,\s*/)
    .map((f) => f.toLowerCase());
  if (fields.includes("*") || fields.includes(field.toLowerCase())) return;
  res.setHeader("Vary", `${String(current)}, ${field}`);
}

function applyOrigin(req: IncomingMessage, res: ServerResponse, allowed: CorsOrigin): void {
  const origin = req.headers.origin;
  if (allowed === "*") {
    res.setHeader("Access-Control-Allow-Origin", "*");
  } else if (typeof allowed === "string") {
    res.setHeader("Access-Control-Allow-Origin", allowed);
    appendVary(res, "Origin");
  } else {
    if (origin !== undefined && isOriginAllowed(origin, allowed)) res.setHeader("Access-Control-Allow-Origin", origin);
    appendVary(res, "Origin");
  }
}

export function corsMiddleware(config: CorsOptions | CorsOptionsDelegate): Middleware {
  if (typeof config !== "function") return staticCorsMiddleware(config);
  return (req, res, next) => {
    config(req, (err, options) => {
      if (err) return next(err);
      staticCorsMiddleware(options ?? {})(req, res, next);
    });
  };
}

/** What the `cors` package does with these options (its defaults, merged the same way: an option set to `undefined` counts as set). */
function staticCorsMiddleware(options: CorsOptions): Middleware {
  const merged = { ...DEFAULTS, ...options };
  const methods = list(merged.methods);
  const successStatus = merged.optionsSuccessStatus ?? DEFAULTS.optionsSuccessStatus;
  const allowedHeaders = merged.allowedHeaders || merged.headers;
  const exposedHeaders = list(merged.exposedHeaders || undefined);
  const maxAge = typeof merged.maxAge === "number" || merged.maxAge ? String(merged.maxAge) : "";

  const apply = (req: IncomingMessage, res: ServerResponse, origin: CorsOrigin, next: (err?: unknown) => void) => {
    applyOrigin(req, res, origin);
    if (merged.credentials === true) res.setHeader("Access-Control-Allow-Credentials", "true");
    if (req.method !== "OPTIONS") {
      if (exposedHeaders) res.setHeader("Access-Control-Expose-Headers", exposedHeaders);
      return next();
    }

    if (methods) res.setHeader("Access-Control-Allow-Methods", methods);
    if (allowedHeaders) {
      const value = list(allowedHeaders);
      if (value) res.setHeader("Access-Control-Allow-Headers", value);
    } else {
      // reflect what the preflight asks for (and say the answer depends on it)
      appendVary(res, "Access-Control-Request-Headers");
      const requested = req.headers["access-control-request-headers"];
      if (requested) res.setHeader("Access-Control-Allow-Headers", requested);
    }
    if (maxAge) res.setHeader("Access-Control-Max-Age", maxAge);
    if (exposedHeaders) res.setHeader("Access-Control-Expose-Headers", exposedHeaders);
    if (merged.preflightContinue) return next();
    res.statusCode = successStatus;
    res.setHeader("Content-Length", "0");
    res.end();
  };

  const origin = merged.origin;
  return (req, res, next) => {
    if (!origin) return next();
    if (typeof origin !== "function") return apply(req, res, origin, next);
    origin(req.headers.origin, (err, resolved) => {
      if (err || !resolved) return next(err ?? undefined);
      apply(req, res, resolved, next);
    });
  };
}
