import type { ServerOptions } from "@sockline/core";
import type { ChatService } from "./chat-service.js";

/** What each framework bootstrap receives: the same service, options and address for all three. */
export interface BootstrapOptions {
  chat: ChatService;
  serverOptions: Partial<ServerOptions>;
  host: string;
  port: number;
}

/** A listening framework app with the chat mounted on it. */
export interface ListeningApp {
  /** The port actually bound (the one asked for, or the ephemeral one for port 0). */
  port: number;
  /** Disconnects every socket, closes the Socket.IO server and the HTTP server. */
  close(): Promise<void>;
}
