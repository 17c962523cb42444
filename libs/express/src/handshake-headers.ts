import type { IncomingMessage } from "node:http";
import type { Server } from "@sockline/core";

/**
 * Headers the framework set while an upgrade went through it (CORS, security headers, a session
 * cookie...), to be sent on the websocket handshake response like on a polling response. The
 * core's engine asks for extra handshake headers through its `headers` event.
 */
type HeaderValues = Record<string, string | number | readonly string[] | undefined>;

const pendingHeaders = new WeakMap<IncomingMessage, HeaderValues>();

// Written by the websocket server itself, or meaningless on a 101 answer.
const OWNED_BY_THE_HANDSHAKE = new Set(["connection", "upgrade", "content-length", "transfer-encoding", "keep-alive", "content-type"]);

export function rememberHandshakeHeaders(req: IncomingMessage, headers: HeaderValues): void {
  pendingHeaders.set(req, headers);
}

/** Adds the remembered headers to the engine's websocket handshake responses of `io`. */
export function forwardHandshakeHeaders(io: Server<any, any, any, any>): void {
  const engine = io.engine as unknown as {
    on(event: "headers", listener: (headers: Record<string, string | string[]>, req: IncomingMessage) => void): unknown;
  };
  engine.on("headers", (headers, req) => {
    const extra = pendingHeaders.get(req);
    if (extra === undefined) return;
    pendingHeaders.delete(req);
    for (const [name, value] of Object.entries(extra)) {
      const key = name.toLowerCase();
      if (value === undefined || OWNED_BY_THE_HANDSHAKE.has(key) || key.startsWith("sec-websocket-")) continue;
      const values = (typeof value === "object" ? [...value] : [value]).map(String);
      const existing = Object.keys(headers).find((header) => header.toLowerCase() === key);
      if (existing === undefined) headers[name] = values.length === 1 ? values[0]! : values;
      // Cookies add up (the engine's own cookie and the framework's); anything else, the engine wins.
      else if (key === "set-cookie") headers[existing] = [...[headers[existing]!].flat(), ...values];
    }
  });
}
