/**
 * Where the engine lives in the URL space of the app it is mounted on. Express rewrites `req.url`
 * to be relative to a mounted sub-app, so inside the middleware the engine path is compared with
 * the app-relative URL; the upgrade listener sees the raw URL and adds the app's mount path.
 */
export interface EnginePath {
  /** App-relative path without trailing slash, e.g. `/socket.io`. */
  readonly relative: string;
  /** Whether `${path}/` is the canonical form (the core's `addTrailingSlash`, default true). */
  readonly trailingSlash: boolean;
}

export function resolveEnginePath(path: string | undefined, addTrailingSlash: boolean | undefined): EnginePath {
  const withSlash = (path ?? "/socket.io").startsWith("/") ? (path ?? "/socket.io") : "/" + path;
  return { relative: withSlash.replace(/\/+$/, ""), trailingSlash: addTrailingSlash ?? true };
}

/** Whether `url` (path + query) is on the engine path once `mountPrefix` is taken into account. */
export function matchesEnginePath(url: string | undefined, path: EnginePath, mountPrefix = ""): boolean {
  if (url === undefined) return false;
  const queryStart = url.indexOf("?");
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  const full = mountPrefix.replace(/\/+$/, "") + path.relative;
  if (pathname.startsWith(full + "/")) return true;
  return !path.trailingSlash && pathname === full;
}
