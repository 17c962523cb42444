/**
 * Where the engine lives in the URL space. Fastify does not rewrite `req.url` for prefixed
 * contexts, so the core must be told the full path (prefix + path): that is the path the client
 * connects to, and the one the core compares `req.url` with when it serves the client bundle.
 */
export interface EnginePath {
  /** Full path without trailing slash, e.g. `/api/socket.io`: what `io.path()` reports. */
  readonly full: string;
  /** Path relative to the Fastify context (the prefix is added by Fastify), e.g. `/socket.io`. */
  readonly relative: string;
  /** Whether `${full}/` is the canonical form (the core's `addTrailingSlash`, default true). */
  readonly trailingSlash: boolean;
}

const DEFAULT_PATH = "/socket.io";

export function resolveEnginePath(prefix: string, path: string | undefined, addTrailingSlash: boolean | undefined): EnginePath {
  const relative = withoutTrailingSlash(ensureLeadingSlash(path ?? DEFAULT_PATH));
  const full = withoutTrailingSlash(withoutTrailingSlash(prefix) + relative);
  return { full, relative, trailingSlash: addTrailingSlash ?? true };
}

/** Whether a request URL (path + query) belongs to this engine, with the same rule as the core. */
export function matchesEnginePath(url: string | undefined, path: EnginePath): boolean {
  if (url === undefined) return false;
  const queryStart = url.indexOf("?");
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  if (pathname.startsWith(path.full + "/")) return true;
  return !path.trailingSlash && pathname === path.full;
}

function ensureLeadingSlash(path: string): string {
  return path.startsWith("/") ? path : "/" + path;
}

function withoutTrailingSlash(path: string): string {
  return path.replace(/\/+$/, "");
}
