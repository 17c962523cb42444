import { randomUUID } from "node:crypto";

export interface Member {
  id: string;
  nickname: string;
}

export interface ChatMessage {
  id: string;
  room: string;
  from: Member;
  text: string;
  at: number;
}

export interface PrivateMessage {
  id: string;
  from: Member;
  to: Member;
  text: string;
  at: number;
}

/**
 * Message history per room, kept in memory and bounded twice: per room (the newest messages win) and in the
 * number of rooms (the room idle the longest is forgotten), so a flood of messages or of room names cannot
 * grow the process without limit. Each node keeps its own history; with the Redis adapter, a node records
 * the messages its own clients send and receives the others' through `record` as they are broadcast.
 */
export class ChatStore {
  private readonly rooms = new Map<string, ChatMessage[]>();

  constructor(
    readonly historyPerRoom = 50,
    readonly maxRooms = 1000,
  ) {}

  createMessage(room: string, from: Member, text: string): ChatMessage {
    const message: ChatMessage = { id: randomUUID(), room, from, text, at: Date.now() };
    this.record(message);
    return message;
  }

  createPrivate(from: Member, to: Member, text: string): PrivateMessage {
    return { id: randomUUID(), from, to, text, at: Date.now() };
  }

  record(message: ChatMessage): void {
    let history = this.rooms.get(message.room);
    if (history) {
      // Re-insert so that Map order is "least recently active first", which eviction relies on.
      this.rooms.delete(message.room);
    } else {
      history = [];
      if (this.rooms.size >= this.maxRooms) this.rooms.delete(this.rooms.keys().next().value!);
    }
    this.rooms.set(message.room, history);
    history.push(message);
    if (history.length > this.historyPerRoom) history.splice(0, history.length - this.historyPerRoom);
  }

  history(room: string): ChatMessage[] {
    return [...(this.rooms.get(room) ?? [])];
  }
}
