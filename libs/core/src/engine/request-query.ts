/**
 * The query of an engine request, parsed once and kept as `req._query` (as the reference and
 * connect-based frameworks do). Engine.IO queries are almost always a plain `EIO=4&transport=...`,
 * which is split by hand instead of through URLSearchParams.
 */
import type { IncomingMessage } from "node:http";
import type { EngineRequest } from "./transports/transport.js";

/** Parses the query once, stored as `req._query` like the reference (and connect-based frameworks) do. */
export function prepareRequest(req: IncomingMessage): EngineRequest {
  const request = req as EngineRequest;
  if (!request._query) {
    const url = req.url ?? "";
    const q = url.indexOf("?");
    request._query = q === -1 ? {} : parseQuery(url.slice(q + 1));
  }
  return request;
}

/** The transport names, shared by every request's query instead of one copy each (the query is kept with the request). */
function internValue(value: string): string {
  if (value === "websocket") return "websocket";
  if (value === "polling") return "polling";
  return value;
}

/** Query strings that need URLSearchParams (escapes, `+`, a leading `?`, a `__proto__` key): the rest is split by hand. */
const NEEDS_FULL_PARSER = /^\?|[%+]|__proto__/;

/**
 * The query as an object, the last value winning for a repeated key (what `URLSearchParams` +
 * `Object.fromEntries` give). Engine.IO queries are almost always plain `EIO=4&transport=...`, which
 * is split without URLSearchParams and its iterator objects.
 */
function parseQuery(search: string): Record<string, string> {
  // Object.fromEntries defines own properties: a "__proto__" key cannot change the prototype
  if (NEEDS_FULL_PARSER.test(search)) return Object.fromEntries(new URLSearchParams(search)) as Record<string, string>;
  const query: Record<string, string> = {};
  let start = 0;
  while (start <= search.length) {
    let end = search.indexOf("&", start);
    if (end === -1) end = search.length;
    if (end > start) {
      const eq = search.indexOf("=", start);
      if (eq === -1 || eq > end) query[search.slice(start, end)] = "";
      else query[search.slice(start, eq)] = internValue(search.slice(eq + 1, end));
    }
    start = end + 1;
  }
  return query;
}
