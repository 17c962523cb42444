// Express-specific test helpers; the shared ones (clients, HTTP, waits) come from @sockline/e2e/support.
import type { Server as HttpServer } from "node:http";
import { listen } from "@sockline/e2e/support";

/** `app.listen()` on an ephemeral port of 127.0.0.1, the way users start an Express app. */
export async function appListen(app: {
  listen(port: number, host: string, callback: () => void): HttpServer;
}): Promise<{ server: HttpServer; url: string }> {
  let server!: HttpServer;
  await new Promise<void>((resolve) => {
    server = app.listen(0, "127.0.0.1", resolve);
  });
  return { server, url: await listen(server) };
}
