import type { ChatMessage, Member, PrivateMessage } from "./chat-store.js";

/** The typed events of the chat (PROTOCOL.md in code), for the server and for Node clients in tests. */

export interface RoomSummary {
  name: string;
  members: number;
}

export interface JoinReply {
  room: string;
  history: ChatMessage[];
  members: Member[];
}

export interface SentReply {
  id: string;
  at: number;
}

export interface ServerToClientEvents {
  message(message: ChatMessage): void;
  private(message: PrivateMessage): void;
  presence(update: { room: string; members: Member[] }): void;
  typing(update: { room: string; user: Member; typing: boolean }): void;
  rooms(update: { rooms: RoomSummary[] }): void;
}

/** Between nodes (Redis adapter): each node keeps the history of every room, not only its own clients'. */
export interface InterServerEvents {
  "history:record"(message: ChatMessage): void;
}

export interface SocketData {
  nickname: string;
}
