/**
 * The engine routes match on the raw request URL, like the reference's `attach()` (a raw prefix
 * test on `req.url`) and like the upgrade router of this plugin. Fastify's router decodes and
 * normalizes the path before matching (`/%73ocket.io/`, an absolute-form target
 * `http://host/socket.io/`, `//socket.io/` with `ignoreDuplicateSlashes`, `/SOCKET.IO/` with
 * `caseSensitive: false` all reach a `/socket.io/*` route), while `request.url` stays raw: a hook
 * that guards `req.url.startsWith("/socket.io")` would be skipped for them. A route constraint
 * keeps those requests out of the engine routes at the router itself, so they get Fastify's
 * ordinary 404, with the ordinary 404 lifecycle.
 *
 * Cost for the rest of the app: find-my-way derives the constraint for every request once a route
 * uses it; deriving is reading `req.url` (no parsing). The raw URL is only tested against the
 * engine path when the router has already reached an engine route.
 */
import type { FastifyInstance } from "fastify";
import { matchesEnginePath, type EnginePath } from "@sockline/core/integration";

const STRATEGY = "socklineRawEnginePath";

/** The route constraint that lets a request reach the engine routes of `path` only if its raw URL belongs to it. */
export function rawEnginePathConstraint(fastify: FastifyInstance, path: EnginePath): Record<string, string> {
  // One strategy per router (all contexts of an app share it), shared by every mount of the app.
  if (!fastify.hasConstraintStrategy(STRATEGY)) fastify.addConstraintStrategy(strategy as never);
  return { [STRATEGY]: constraintValue(path) };
}

/** The engine path as a constraint value: the full path, with a trailing slash when only `full/...` is served. */
function constraintValue(path: EnginePath): string {
  return path.trailingSlash ? `${path.full}/` : path.full;
}

function pathOfConstraintValue(value: string): EnginePath {
  const trailingSlash = value.endsWith("/");
  const full = trailingSlash ? value.slice(0, -1) : value;
  return { full, relative: full, trailingSlash };
}

/**
 * find-my-way keeps, per route node, a store from constraint values to a bitmask of the node's
 * handlers. It asks it with the constraint values of the routes while building (`get(value)` then
 * `set(value, mask)`), and with the derived value, here the raw URL, while routing.
 */
function rawPathStore() {
  const masks = new Map<string, { path: EnginePath; mask: number }>();
  return {
    get(value: string): number | null {
      const exact = masks.get(value);
      if (exact !== undefined) return exact.mask;
      let mask = 0;
      for (const entry of masks.values()) if (matchesEnginePath(value, entry.path)) mask |= entry.mask;
      return mask === 0 ? null : mask;
    },
    set(value: string, mask: number): void {
      masks.set(value, { path: pathOfConstraintValue(value), mask });
    },
  };
}

const strategy = {
  name: STRATEGY,
  // Routes without this constraint (every other route of the app) match as before.
  mustMatchWhenDerived: false,
  storage: rawPathStore,
  deriveConstraint: (req: { url?: string }): string => req.url ?? "",
  validate(value: unknown): void {
    if (typeof value !== "string" || !value.startsWith("/"))
      throw new TypeError(`${STRATEGY}: expected an engine path, got ${String(value)}`);
  },
};
