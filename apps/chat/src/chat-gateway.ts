import {
  ConnectedSocket,
  ForbiddenError,
  Gateway,
  On,
  Payload,
  UseGuards,
  type CanActivate,
  type GuardContext,
  type OnGatewayConnection,
  type OnGatewayInit,
} from "@sockline/gateway";
// A value import (not `import type`): Nest reads the constructor's parameter types at run time to inject them.
import { ChatService, type ChatNamespace, type ChatSocket } from "./chat-service.js";
import { PrivateMessageDto, RoomDto, SendMessageDto, TypingDto } from "./dto.js";
import type { JoinReply, RoomSummary, SentReply } from "./events.js";
import { checkNickname } from "./nickname.js";

/** Refuses a connection without a valid nickname: the page gets `connect_error` with the reason. */
export class NicknameGuard implements CanActivate {
  canActivate({ socket }: GuardContext): boolean {
    const check = checkNickname(socket.handshake.auth);
    if (!check.ok) throw new ForbiddenError(check.reason);
    return true;
  }
}

/**
 * The chat's gateway, one class for the three frameworks: mounted by `@sockline/fastify` and
 * `@sockline/express` (built by `chatGatewayFactory`), and in NestJS as a provider built by Nest's
 * injector, mounted by `SocklineModule`. Each handler validates its payload against the DTO of its
 * parameter type, then hands it to the `ChatService`; the return value is the ack (an error
 * becomes `{ error: { message, data } }`).
 */
@Gateway({ validation: { whitelist: true, forbidNonWhitelisted: true } })
@UseGuards(NicknameGuard)
export class ChatGateway implements OnGatewayInit<ChatNamespace>, OnGatewayConnection<ChatSocket> {
  constructor(private readonly chat: ChatService) {}

  afterInit(namespace: ChatNamespace): void {
    this.chat.bind(namespace);
  }

  handleConnection(socket: ChatSocket): Promise<void> {
    return this.chat.welcome(socket);
  }

  @On("room:join")
  join(@Payload() { room }: RoomDto, @ConnectedSocket() socket: ChatSocket): Promise<JoinReply> {
    return this.chat.join(socket, room);
  }

  @On("room:leave")
  leave(@Payload() { room }: RoomDto, @ConnectedSocket() socket: ChatSocket): Promise<{ room: string }> {
    return this.chat.leave(socket, room);
  }

  @On("message:send")
  send(@Payload() { room, text }: SendMessageDto, @ConnectedSocket() socket: ChatSocket): SentReply {
    return this.chat.send(socket, room, text);
  }

  @On("typing")
  typing(@Payload() { room, typing }: TypingDto, @ConnectedSocket() socket: ChatSocket): void {
    this.chat.typing(socket, room, typing);
  }

  @On("private:send")
  whisper(@Payload() { to, text }: PrivateMessageDto, @ConnectedSocket() socket: ChatSocket): Promise<SentReply> {
    return this.chat.whisper(socket, to, text);
  }

  @On("rooms:list")
  rooms(): Promise<{ rooms: RoomSummary[] }> {
    return this.chat.listRooms();
  }
}

/** Builds the gateway (and its guard) with the shared service: the `gatewayFactory` of the Fastify and Express mounts. */
export function chatGatewayFactory(chat: ChatService): (cls: abstract new (...args: any[]) => object) => object {
  return (cls) => {
    if (cls === ChatGateway) return new ChatGateway(chat);
    if (cls === NicknameGuard) return new NicknameGuard();
    throw new Error(`chat gateway factory: unexpected class ${cls.name}`);
  };
}
