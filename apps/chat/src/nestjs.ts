import type { AddressInfo } from "node:net";
import { Injectable, Module, UseGuards, UsePipes, ValidationPipe, type CanActivate, type DynamicModule, type ExecutionContext } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import type { NestExpressApplication } from "@nestjs/platform-express";
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
  type OnGatewayConnection,
  type OnGatewayInit,
} from "@nestjs/websockets";
import { SocklineAdapter, SocklineModule, wsValidationExceptionFactory, type SocklineAdapterOptions } from "@sockline/nestjs";
import type { Server } from "@sockline/core";
import type { BootstrapOptions, ListeningApp } from "./bootstrap-types.js";
import { ChatService, type ChatNamespace, type ChatSocket } from "./chat-service.js";
import { PrivateMessageDto, RoomDto, SendMessageDto, TypingDto } from "./dto.js";
import type { JoinReply, RoomSummary, SentReply } from "./events.js";
import { checkNickname } from "./nickname.js";
import { PUBLIC_DIR } from "./public-files.js";

/**
 * The NestJS bootstrap. Nest reads its own decorators (`@WebSocketGateway`, `@SubscribeMessage`),
 * not those of `@sockline/gateway`, so this is a thin Nest gateway delegating every event to the
 * same `ChatService` and validating the same DTOs (through `ValidationPipe`). `SocklineAdapter`
 * runs it on Sockline, with the class guard applied at connection (`connectionGuards`) and errors
 * answered in the ack with the gateway package's shape (`ackErrors`).
 */

@Injectable()
export class NestNicknameGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<ChatSocket>();
    const check = checkNickname(socket.handshake.auth);
    if (!check.ok) throw new WsException(check.reason);
    return true;
  }
}

@WebSocketGateway()
@UseGuards(NestNicknameGuard)
@UsePipes(
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: wsValidationExceptionFactory,
  }),
)
export class ChatNestGateway implements OnGatewayInit<Server>, OnGatewayConnection<ChatSocket> {
  constructor(private readonly chat: ChatService) {}

  afterInit(server: Server): void {
    this.chat.bind(server.of("/") as unknown as ChatNamespace);
  }

  handleConnection(socket: ChatSocket): Promise<void> {
    return this.chat.welcome(socket);
  }

  @SubscribeMessage("room:join")
  join(@MessageBody() { room }: RoomDto, @ConnectedSocket() socket: ChatSocket): Promise<JoinReply> {
    return this.chat.join(socket, room);
  }

  @SubscribeMessage("room:leave")
  leave(@MessageBody() { room }: RoomDto, @ConnectedSocket() socket: ChatSocket): Promise<{ room: string }> {
    return this.chat.leave(socket, room);
  }

  @SubscribeMessage("message:send")
  send(@MessageBody() { room, text }: SendMessageDto, @ConnectedSocket() socket: ChatSocket): SentReply {
    return this.chat.send(socket, room, text);
  }

  @SubscribeMessage("typing")
  typing(@MessageBody() { room, typing }: TypingDto, @ConnectedSocket() socket: ChatSocket): void {
    this.chat.typing(socket, room, typing);
  }

  @SubscribeMessage("private:send")
  whisper(@MessageBody() { to, text }: PrivateMessageDto, @ConnectedSocket() socket: ChatSocket): Promise<SentReply> {
    return this.chat.whisper(socket, to, text);
  }

  @SubscribeMessage("rooms:list")
  rooms(): Promise<{ rooms: RoomSummary[] }> {
    return this.chat.listRooms();
  }
}

@Module({})
class ChatModule {
  static create(chat: ChatService, adapterOptions: SocklineAdapterOptions): DynamicModule {
    return {
      module: ChatModule,
      // The adapter reads its options from DI (SocklineModule), like a Nest app configured by modules.
      imports: [SocklineModule.forRoot(adapterOptions)],
      providers: [{ provide: ChatService, useValue: chat }, NestNicknameGuard, ChatNestGateway],
    };
  }
}

export async function startNest({ chat, serverOptions, host, port }: BootstrapOptions): Promise<ListeningApp> {
  const adapterOptions: SocklineAdapterOptions = {
    server: serverOptions,
    connectionGuards: true,
    ackErrors: true,
    awaitConnectionHook: true,
  };
  const app = await NestFactory.create<NestExpressApplication>(ChatModule.create(chat, adapterOptions), {
    logger: ["error", "warn"],
    // A start-up error rejects startChat() (tests, main.ts reports it) instead of exiting the process.
    abortOnError: false,
  });
  app.useWebSocketAdapter(new SocklineAdapter(app));
  app.useStaticAssets(PUBLIC_DIR);
  await app.listen(port, host);
  return {
    port: (app.getHttpServer().address() as AddressInfo).port,
    // Like the Fastify and Express mounts, the chat tells its clients it is going away; then the adapter closes
    // the Socket.IO server (Nest's own convention: io.close(), which alone would let clients reconnect) and
    // Nest closes HTTP.
    close: () => {
      chat.disconnectLocalClients();
      return app.close();
    },
  };
}
