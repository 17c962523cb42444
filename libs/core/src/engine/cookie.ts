/** Serializes the session cookie (the `cookie` option), the same attributes as the `cookie` package. */

export interface CookieOptions {
  /** Cookie name. Default "io". */
  name?: string;
  path?: string | false;
  domain?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: boolean | "lax" | "strict" | "none";
  maxAge?: number;
  expires?: Date;
  partitioned?: boolean;
  priority?: "low" | "medium" | "high";
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  if (!TOKEN.test(name)) throw new TypeError(`invalid cookie name: ${JSON.stringify(name)}`);
  let out = `${name}=${encodeURIComponent(value)}`;
  if (opts.maxAge !== undefined) out += `; Max-Age=${Math.floor(opts.maxAge)}`;
  if (opts.domain) out += `; Domain=${opts.domain}`;
  if (opts.path) out += `; Path=${opts.path}`;
  if (opts.expires) out += `; Expires=${opts.expires.toUTCString()}`;
  if (opts.httpOnly) out += "; HttpOnly";
  if (opts.secure) out += "; Secure";
  if (opts.partitioned) out += "; Partitioned";
  if (opts.priority) out += `; Priority=${opts.priority[0]!.toUpperCase()}${opts.priority.slice(1)}`;
  if (opts.sameSite) {
    const same = opts.sameSite === true ? "Strict" : opts.sameSite[0]!.toUpperCase() + opts.sameSite.slice(1);
    out += `; SameSite=${same}`;
  }
  return out;
}
