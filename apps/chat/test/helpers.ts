import type { Socket as ClientSocket } from "socket.io-client";
import { connected as connectedClient, connectError as refusal, openClient, type ConnectError } from "@sockline/e2e/support";
import type { ServerToClientEvents } from "@sockline/chat";

export type ChatClient = ClientSocket<ServerToClientEvents, any>;

/** A Node client of the chat (the official socket.io-client), not yet connected. */
export function chatClient(url: string, nickname: unknown, options: Record<string, unknown> = {}): ChatClient {
  return openClient(url, { auth: nickname === undefined ? {} : { nickname }, autoConnect: false, ...options }) as ChatClient;
}

/** Connects (chat clients start with autoConnect off) and resolves on `connect`, rejects with the `connect_error`. */
export async function connected(client: ChatClient): Promise<ChatClient> {
  const done = connectedClient(client);
  client.connect();
  await done;
  return client;
}

/** Connects and resolves with the connect_error the client gets (and fails if it connects instead). */
export function connectError(client: ChatClient): Promise<ConnectError> {
  const refused = refusal(client);
  client.connect();
  return refused;
}

export function ack<T = any>(client: ChatClient, event: string, ...args: unknown[]): Promise<T> {
  return (client as any).timeout(10_000).emitWithAck(event, ...args);
}
