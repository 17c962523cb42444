import createDebug from "debug";
import type { Namespace, Socket } from "@sockline/core";
import { GatewayError } from "@sockline/gateway";
import type { ChatMessage, ChatStore, Member } from "./chat-store.js";
import type { InterServerEvents, JoinReply, RoomSummary, SentReply, ServerToClientEvents, SocketData } from "./events.js";
import { CoalescingRefresher } from "./coalescing-refresher.js";
import { checkNickname } from "./nickname.js";

const debug = createDebug("sockline:chat");

export type ChatNamespace = Namespace<any, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatSocket = Socket<any, ServerToClientEvents, InterServerEvents, SocketData>;

export const DEFAULT_ROOM = "lobby";

/**
 * Chat rooms live in the Socket.IO room `room:<name>`, never under the bare name: every socket is
 * also in the room named after its id (the address of private messages), so a user able to join a
 * room called like someone's socket id would read their private messages.
 */
const ROOM_PREFIX = "room:";
const roomKey = (name: string) => ROOM_PREFIX + name;

export interface ChatServiceOptions {
  /** Several nodes (Redis adapter): share the message history between them with `serverSideEmit`. */
  clustered?: boolean;
}

/**
 * What the chat does, independent of how events reach it: `ChatGateway` (the same class on
 * Fastify, Express and NestJS) delegates every event here. Presence is read back with
 * `fetchSockets`, so member lists and room counts are right across nodes too.
 */
export class ChatService {
  private nsp: ChatNamespace | undefined;
  private readonly presence = new CoalescingRefresher<string>(
    (room) => this.emitPresence(room),
    (room, error) => debug("presence of #%s not refreshed: %O", room, error),
  );
  private readonly roomList = new CoalescingRefresher<"all">(
    () => this.emitRoomList(),
    (_key, error) => debug("room list not refreshed: %O", error),
  );

  constructor(
    readonly store: ChatStore,
    private readonly options: ChatServiceOptions = {},
  ) {}

  /** The namespace the chat runs on; set by `bind` when the gateway is initialised. */
  get namespace(): ChatNamespace {
    if (!this.nsp) throw new Error("ChatService used before bind(namespace): the gateway was not initialised");
    return this.nsp;
  }

  bind(nsp: ChatNamespace): void {
    this.nsp = nsp;
    if (this.options.clustered) {
      nsp.on("history:record" as any, (message: ChatMessage) => this.store.record(message));
    }
  }

  /**
   * Shutting down: tell this node's clients the server disconnected them (they don't wait for a timeout). Only
   * the local ones: with the Redis adapter the other nodes keep theirs.
   */
  disconnectLocalClients(): void {
    this.nsp?.local.disconnectSockets(true);
  }

  /** A new (or recovered) connection: its nickname, and the presence of the rooms it is back in. */
  async welcome(socket: ChatSocket): Promise<void> {
    if (!socket.recovered || !socket.data?.nickname) {
      const check = checkNickname(socket.handshake.auth);
      // The connection guard ran before: this only happens if a framework skipped it.
      if (!check.ok) throw new GatewayError(check.reason);
      socket.data = { nickname: check.nickname };
    }
    socket.on("disconnecting", () => {
      const rooms = chatRoomsOf(socket);
      // The socket leaves its rooms between "disconnecting" and "disconnect".
      socket.once("disconnect", () => this.roomsChanged(rooms));
    });
    debug("%s connected as %s%s", socket.id, socket.data.nickname, socket.recovered ? " (recovered)" : "");
    this.roomsChanged(socket.recovered ? chatRoomsOf(socket) : []);
  }

  async join(socket: ChatSocket, room: string): Promise<JoinReply> {
    await socket.join(roomKey(room));
    const members = await this.members(room);
    this.roomsChanged([room]);
    return { room, history: this.store.history(room), members };
  }

  async leave(socket: ChatSocket, room: string): Promise<{ room: string }> {
    await socket.leave(roomKey(room));
    this.roomsChanged([room]);
    return { room };
  }

  /** Sends to the others in the room; the sender's copy is confirmed by the ack (its "delivered" tick). */
  send(socket: ChatSocket, room: string, text: string): SentReply {
    this.assertMember(socket, room);
    const message = this.store.createMessage(room, memberOf(socket), text);
    if (this.options.clustered) this.namespace.serverSideEmit("history:record", message);
    socket.to(roomKey(room)).emit("message", message);
    return { id: message.id, at: message.at };
  }

  /** Typing is ephemeral: volatile, so it is dropped rather than queued for a slow or reconnecting client. */
  typing(socket: ChatSocket, room: string, typing: boolean): void {
    if (!socket.rooms.has(roomKey(room))) return;
    socket.to(roomKey(room)).volatile.emit("typing", { room, user: memberOf(socket), typing });
  }

  /** A private message, by socket id, on any node; both ends receive it (the sender's other tabs too). */
  async whisper(socket: ChatSocket, to: string, text: string): Promise<SentReply> {
    const [target] = await this.namespace.in(to).fetchSockets();
    if (!target || target.id !== to) throw new GatewayError(`nobody with id ${to} is connected`);
    const message = this.store.createPrivate(memberOf(socket), { id: target.id, nickname: target.data.nickname }, text);
    this.namespace.to(to).to(socket.id).emit("private", message);
    return { id: message.id, at: message.at };
  }

  async listRooms(): Promise<{ rooms: RoomSummary[] }> {
    return { rooms: await this.roomSummaries() };
  }

  /** Resolves once pending presence updates are sent (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([this.presence.settled(), this.roomList.settled()]);
  }

  private roomsChanged(rooms: readonly string[]): void {
    for (const room of rooms) void this.presence.request(room);
    void this.roomList.request("all");
  }

  private assertMember(socket: ChatSocket, room: string): void {
    if (!socket.rooms.has(roomKey(room))) throw new GatewayError(`join #${room} before sending to it`);
  }

  private async members(room: string): Promise<Member[]> {
    const sockets = await this.namespace.in(roomKey(room)).fetchSockets();
    return sockets
      .map((s) => ({ id: s.id, nickname: s.data?.nickname ?? "?" }))
      .sort((a, b) => a.nickname.localeCompare(b.nickname) || a.id.localeCompare(b.id));
  }

  private async emitPresence(room: string): Promise<void> {
    const members = await this.members(room);
    this.namespace.to(roomKey(room)).emit("presence", { room, members });
  }

  private async roomSummaries(): Promise<RoomSummary[]> {
    const counts = new Map<string, number>([[DEFAULT_ROOM, 0]]);
    for (const socket of await this.namespace.fetchSockets()) {
      for (const key of socket.rooms) {
        if (!key.startsWith(ROOM_PREFIX)) continue;
        const name = key.slice(ROOM_PREFIX.length);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    return [...counts]
      .map(([name, members]) => ({ name, members }))
      .sort((a, b) => (a.name === DEFAULT_ROOM ? -1 : b.name === DEFAULT_ROOM ? 1 : a.name.localeCompare(b.name)));
  }

  private async emitRoomList(): Promise<void> {
    this.namespace.emit("rooms", { rooms: await this.roomSummaries() });
  }
}

function memberOf(socket: ChatSocket): Member {
  return { id: socket.id, nickname: socket.data.nickname };
}

function chatRoomsOf(socket: ChatSocket): string[] {
  return [...socket.rooms].filter((r) => r.startsWith(ROOM_PREFIX)).map((r) => r.slice(ROOM_PREFIX.length));
}
