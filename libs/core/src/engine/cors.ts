/**
 * CORS as an engine middleware, configured with the same option shape as the
 * `cors` package. Nothing is added unless the `cors` option is set.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Middleware } from "./middleware.js";

export type CorsOrigin = boolean | string | RegExp | ReadonlyArray<string | RegExp>;

export type CorsOriginFunction = (
  origin: string | undefined,
  callback: (err: Error | null, origin?: CorsOrigin) => void,
) => void;

/** Per-request options, as the `cors` package accepts: `callback(err, options)`. */
export type CorsOptionsDelegate = (req: IncomingMessage, callback: (err: Error | null, options?: CorsOptions) => void) => void;

export interface CorsOptions {
  /** Allowed origin(s). `true` reflects the request origin; `"*"` allows any. Default "*". */
  origin?: CorsOrigin | CorsOriginFunction;
  /** Default "GET,HEAD,PUT,PATCH,POST,DELETE". */
  methods?: string | readonly string[];
  /** Default: reflect the `Access-Control-Request-Headers` of the preflight. */
  allowedHeaders?: string | readonly string[];
  exposedHeaders?: string | readonly string[];
  credentials?: boolean;
  maxAge?: number;
  /** Pass the preflight to the next handler instead of answering it. Default false. */
  preflightContinue?: boolean;
  /** Status of a successful preflight. Default 204. */
  optionsSuccessStatus?: number;
}

function list(value: string | readonly string[]): string {
  return typeof value === "string" ? value : value.join(",");
}

function isOriginAllowed(origin: string, allowed: CorsOrigin): boolean {
  if (Array.isArray(allowed)) return allowed.some((one) => isOriginAllowed(origin, one));
  if (typeof allowed === "string") return origin === allowed;
  if (allowed instanceof RegExp) return allowed.test(origin);
  return Boolean(allowed);
}

function appendVary(res: ServerResponse, field: string): void {
  const current = res.getHeader("Vary");
  if (current === undefined) res.setHeader("Vary", field);
  else if (!String(current).split(/\s*,\s*/).includes(field)) res.setHeader("Vary", `${String(current)}, ${field}`);
}

function applyOrigin(req: IncomingMessage, res: ServerResponse, allowed: CorsOrigin): void {
  const origin = req.headers.origin;
  if (allowed === "*" || allowed === undefined) {
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

function staticCorsMiddleware(options: CorsOptions): Middleware {
  const methods = list(options.methods ?? "GET,HEAD,PUT,PATCH,POST,DELETE");
  const successStatus = options.optionsSuccessStatus ?? 204;

  const apply = (req: IncomingMessage, res: ServerResponse, origin: CorsOrigin, next: (err?: unknown) => void) => {
    if (origin === false) return next();
    applyOrigin(req, res, origin);
    if (options.credentials) res.setHeader("Access-Control-Allow-Credentials", "true");
    if (options.exposedHeaders) res.setHeader("Access-Control-Expose-Headers", list(options.exposedHeaders));
    if (req.method !== "OPTIONS") return next();

    res.setHeader("Access-Control-Allow-Methods", methods);
    if (options.allowedHeaders) {
      res.setHeader("Access-Control-Allow-Headers", list(options.allowedHeaders));
    } else {
      const requested = req.headers["access-control-request-headers"];
      if (requested) {
        res.setHeader("Access-Control-Allow-Headers", requested);
        appendVary(res, "Access-Control-Request-Headers");
      }
    }
    if (options.maxAge !== undefined) res.setHeader("Access-Control-Max-Age", String(options.maxAge));
    if (options.preflightContinue) return next();
    res.statusCode = successStatus;
    res.setHeader("Content-Length", "0");
    res.end();
  };

  return (req, res, next) => {
    const origin = options.origin ?? "*";
    if (typeof origin !== "function") return apply(req, res, origin, next);
    origin(req.headers.origin, (err, resolved) => {
      if (err) return next(err);
      apply(req, res, resolved ?? false, next);
    });
  };
}
