/**
 * A session keeps its handshake request for its whole life (`socket.request`, `handshake.headers`).
 * Most strings of that request are equal from one connection to the next (the URL, the HTTP version,
 * header names and most values) but the HTTP parser made fresh copies for each request. Replacing
 * them with one shared copy of the same value changes nothing a program can observe (strings have no
 * identity in JavaScript) and saves ~250 bytes per idle connection.
 */
import type { IncomingMessage } from "node:http";

/** Bounded: values that differ per client (a host with a port, a user agent) must not pile up. */
const MAX_SHARED = 256;
const shared = new Map<string, string>();

/** Headers whose values are unique per connection: sharing them would only churn the table. */
const UNIQUE_VALUES = new Set(["sec-websocket-key", "cookie", "authorization"]);

function share(value: string): string {
  const known = shared.get(value);
  if (known !== undefined) return known;
  if (shared.size >= MAX_SHARED) shared.clear();
  shared.set(value, value);
  return value;
}

/** Swaps the retained request's strings for shared copies of the same values. */
export function shareRequestStrings(req: IncomingMessage): void {
  if (typeof req.url === "string") req.url = share(req.url);
  if (typeof req.httpVersion === "string") req.httpVersion = share(req.httpVersion);
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    raw[i] = share(name);
    if (!UNIQUE_VALUES.has(name.toLowerCase())) raw[i + 1] = share(raw[i + 1]!);
  }
  const headers = req.headers as Record<string, string | string[] | undefined>;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === "string" && !UNIQUE_VALUES.has(name)) headers[name] = share(value);
  }
}
