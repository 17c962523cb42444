// Fastify-specific test helpers; the shared ones (clients, HTTP, waits) come from @sockline/e2e/support.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { baseUrl } from "@sockline/e2e/support";

/** Starts the app on an ephemeral port of 127.0.0.1 and returns its base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return baseUrl(app.server);
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
