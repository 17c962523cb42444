// Fastify-specific test helpers; the shared ones (clients, HTTP, waits) come from @sockline/e2e/support.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { connect } from "node:net";
import { baseUrl } from "@sockline/e2e/support";

/** Starts the app on an ephemeral port of 127.0.0.1 and returns its base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return baseUrl(app.server);
}

export interface RawAnswer {
  /** The status code of the answer, 0 if the server closed the connection without one. */
  status: number;
  /** Everything after the head (empty for a 101: the connection is closed once the head is read). */
  body: string;
}

/**
 * Sends `GET <target>` (or a POST with `body`) exactly as written on a raw TCP connection (fetch and
 * `ws` would normalize the target), as a websocket upgrade when `upgrade` is set, and reads the answer.
 */
export function rawRequest(
  url: string,
  target: string,
  options: { upgrade?: boolean; method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const { port, hostname } = new URL(url);
  const { upgrade = false, method = options.body === undefined ? "GET" : "POST", body, headers = {} } = options;
  const lines = [
    `${method} ${target} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  if (upgrade)
    lines.push("Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
  else lines.push("Connection: close");
  if (body !== undefined) lines.push("Content-Type: text/plain;charset=UTF-8", `Content-Length: ${Buffer.byteLength(body)}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${lines.join("\r\n")}\r\n\r\n${body ?? ""}`));
    let received = "";
    const answer = (): RawAnswer => {
      const headEnd = received.indexOf("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      return { status, body: headEnd === -1 || status === 101 ? "" : received.slice(headEnd + 4) };
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      received += chunk;
      // An accepted upgrade stays open: its head is all there is to read.
      if (received.startsWith("HTTP/1.1 101") && received.includes("\r\n\r\n")) socket.destroy();
    });
    socket.on("close", () => resolve(answer()));
    socket.on("error", reject);
  });
}

/** One line of Fastify's (pino's) JSON log. */
export interface LogLine {
  level: number;
  msg: string;
  plugin?: string;
  path?: string;
  code?: unknown;
  sid?: string;
  diagnostic?: Record<string, unknown>;
  /** In the line that counts what a rate limit held back. */
  suppressed?: number;
}

/** A pino destination stream that keeps every line: `Fastify({ logger: { level, stream } })`. */
export function captureLogs(): { lines: LogLine[]; stream: Writable } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  return { lines, stream };
}
