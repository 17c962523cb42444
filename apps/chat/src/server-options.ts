import type { ServerOptions } from "@sockline/core";

/** How long a dropped page can come back and get its id, rooms and missed messages back. */
export const RECOVERY_WINDOW_MS = 2 * 60 * 1000;

/** The Socket.IO server options shared by the three bootstraps. */
export function chatServerOptions(adapter: ServerOptions["adapter"] | undefined): Partial<ServerOptions> {
  return {
    // The page loads /socket.io/socket.io.min.js from us: no CDN, no bundler.
    serveClient: true,
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
    // Chat messages are small; refuse anything much larger than a message at the engine.
    maxHttpBufferSize: 64 * 1024,
    ...(adapter ? { adapter } : {}),
  };
}
