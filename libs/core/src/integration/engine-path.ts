/**
 * Where an engine lives in the URL space of a framework app, and which request URLs belong to
 * it, with the same rule as the engine itself (`path` and `addTrailingSlash`).
 */
export interface EnginePath {
  /** Full path without trailing slash, prefix included, e.g. `/api/socket.io`: what clients connect to. */
  readonly full: string;
  /** Path relative to the framework context that declares it (prefix excluded), e.g. `/socket.io`. */
  readonly relative: string;
  /** Whether only `${full}/...` is served (the engine's `addTrailingSlash`, default true); if false, `${full}` too. */
  readonly trailingSlash: boolean;
}

export interface EnginePathOptions {
  /** The engine path, default `/socket.io`; a missing leading slash is added. */
  path?: string;
  /** The engine's `addTrailingSlash` option, default true. */
  addTrailingSlash?: boolean;
  /** A prefix the framework adds in front of `path` (e.g. a Fastify context prefix); default none. */
  prefix?: string;
}

export const DEFAULT_ENGINE_PATH = "/socket.io";

export function resolveEnginePath(options: EnginePathOptions = {}): EnginePath {
  const relative = withoutTrailingSlash(ensureLeadingSlash(options.path ?? DEFAULT_ENGINE_PATH));
  const full = withoutTrailingSlash(withoutTrailingSlash(options.prefix ?? "") + relative);
  return { full, relative, trailingSlash: options.addTrailingSlash ?? true };
}

/**
 * Whether `url` (path and query, as in `req.url`) belongs to the engine. `mountPrefix` is put in
 * front of the full path, for frameworks that rewrite `req.url` below a mount point (an Express
 * sub-app mounted at `/chat` sees `/socket.io/` where the raw URL is `/chat/socket.io/`).
 */
export function matchesEnginePath(url: string | undefined, path: EnginePath, mountPrefix = ""): boolean {
  if (url === undefined) return false;
  const queryStart = url.indexOf("?");
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  const full = withoutTrailingSlash(mountPrefix) + path.full;
  if (pathname.startsWith(full + "/")) return true;
  return !path.trailingSlash && pathname === full;
}

function ensureLeadingSlash(path: string): string {
  return path.startsWith("/") ? path : "/" + path;
}

function withoutTrailingSlash(path: string): string {
  return path.replace(/\/+$/, "");
}
