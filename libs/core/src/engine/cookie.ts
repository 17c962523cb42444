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
  /** Encodes the cookie's value (the sid). Default `encodeURIComponent`. */
  encode?: (value: string) => string;
}

/** The sub-options of `cookie` (the unknown-option check knows them). */
export const COOKIE_OPTION_NAMES: readonly string[] = [
  "name",
  "path",
  "domain",
  "httpOnly",
  "secure",
  "sameSite",
  "maxAge",
  "expires",
  "partitioned",
  "priority",
  "encode",
];

/** Characters a cookie value may hold (RFC 6265 cookie-octet), as the `cookie` package checks an encoded value. */
const COOKIE_VALUE = /^[\u0021\u0023-\u002B\u002D-\u003A\u003C-\u005B\u005D-\u007E]*$/;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  if (!TOKEN.test(name)) throw new TypeError(`invalid cookie name: ${JSON.stringify(name)}`);
  let encoded = encodeURIComponent(value);
  if (opts.encode !== undefined) {
    // this runs inside a handshake: a value that cannot be a cookie falls back to the default encoding rather than throw
    let custom: unknown;
    try {
      custom = opts.encode(value);
    } catch {
      custom = undefined;
    }
    if (typeof custom === "string" && COOKIE_VALUE.test(custom)) encoded = custom;
  }
  let out = `${name}=${encoded}`;
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
