import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import type { ServerToClientEvents } from "@sockline/chat";

export type ChatClient = ClientSocket<ServerToClientEvents, any>;

/** A Node client of the chat (the official socket.io-client), not yet connected. */
export function chatClient(url: string, nickname: unknown, options: Record<string, unknown> = {}): ChatClient {
  return connect(url, {
    auth: nickname === undefined ? {} : { nickname },
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    ...options,
  }) as ChatClient;
}

/** Connects and resolves on `connect`, rejects with the `connect_error`. */
export function connected(client: ChatClient): Promise<ChatClient> {
  return new Promise((resolve, reject) => {
    client.once("connect", () => {
      client.off("connect_error", reject);
      resolve(client);
    });
    client.once("connect_error", reject);
    client.connect();
  });
}

/** Resolves with the connect_error a client gets (and fails if it connects instead). */
export function connectError(client: ChatClient): Promise<Error & { data?: unknown }> {
  return new Promise((resolve, reject) => {
    client.once("connect", () => reject(new Error("connected although a connect_error was expected")));
    client.once("connect_error", resolve);
    client.connect();
  });
}

/** The next `event` whose payload satisfies `match`. */
export function nextEvent<T = any>(client: ChatClient, event: string, match: (payload: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const listener = (payload: T) => {
      if (!match(payload)) return;
      (client as any).off(event, listener);
      resolve(payload);
    };
    (client as any).on(event, listener);
  });
}

export function ack<T = any>(client: ChatClient, event: string, ...args: unknown[]): Promise<T> {
  return (client as any).timeout(10_000).emitWithAck(event, ...args);
}
