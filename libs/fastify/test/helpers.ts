// Fastify-specific test helpers; the shared ones (clients, HTTP, waits) come from @sockline/e2e/support.
import type { FastifyInstance } from "fastify";
import { baseUrl } from "@sockline/e2e/support";

/** Starts the app on an ephemeral port of 127.0.0.1 and returns its base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return baseUrl(app.server);
}
