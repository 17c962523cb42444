import {
  Catch,
  Injectable,
  Module,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  WsException,
  BaseWsExceptionFilter,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  type WsResponse,
} from '@nestjs/websockets';
import { MessageDto } from '@sockline/e2e/support';
import { from, map, of, type Observable } from 'rxjs';
import type { Namespace, Server, Socket } from '@sockline/core';

@Injectable()
export class ChatService {
  readonly messages: string[] = [];
  readonly hooks: string[] = [];
  greet(name: string): string {
    return `hello ${name}`;
  }
}

/** Reads `handshake.auth.token`: none is refused (false), a wrong one with its own message. */
@Injectable()
export class WsAuthGuard implements CanActivate {
  constructor(private readonly service: ChatService) {}
  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<Socket>();
    this.service.hooks.push(`guard:${context.switchToWs().getPattern?.() ?? ''}`);
    const token = socket.handshake.auth.token;
    if (token === undefined) return false;
    if (token !== 'secret') throw new WsException({ message: 'invalid token', token });
    return true;
  }
}

@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToWs().getClient<Socket>().handshake.auth.role === 'admin';
  }
}

/** Wraps object results, to show interceptors run around handlers. */
@Injectable()
export class WrapInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map(value => ({ wrapped: value })));
  }
}

export class CustomError extends Error {}

/** A user filter: it wins over the adapter's fallback filter. */
@Catch(CustomError)
export class CustomErrorFilter extends BaseWsExceptionFilter {
  override catch(exception: CustomError, host: ArgumentsHost): void {
    host.switchToWs().getClient<Socket>().emit('custom-error', { caught: exception.message });
  }
}

@WebSocketGateway()
export class EventsGateway implements OnGatewayInit {
  @WebSocketServer()
  server!: Server;
  initialised = false;

  afterInit(server: Server): void {
    this.initialised = server === this.server;
  }

  @SubscribeMessage('ping')
  ping(@MessageBody() data: unknown) {
    return { pong: data };
  }

  @SubscribeMessage('async')
  async asyncValue(@MessageBody() n: number) {
    await new Promise(resolve => setTimeout(resolve, 5));
    return n + 1;
  }

  @SubscribeMessage('ws-response')
  wsResponse(@MessageBody() data: unknown): WsResponse<unknown> {
    return { event: 'pong', data };
  }

  @SubscribeMessage('count')
  count(@MessageBody() n: number): Observable<WsResponse<number>> {
    return from(Array.from({ length: n }, (_, i) => i + 1)).pipe(map(i => ({ event: 'counted', data: i })));
  }

  @SubscribeMessage('observable-ack')
  observableAck(): Observable<string> {
    return of('first', 'second');
  }

  @SubscribeMessage('intercepted')
  @UseInterceptors(WrapInterceptor)
  intercepted(@MessageBody() data: unknown) {
    return data;
  }

  @SubscribeMessage('custom')
  @UseFilters(new CustomErrorFilter())
  custom() {
    throw new CustomError('custom failure');
  }
}

@WebSocketGateway({ namespace: 'chat' })
@UseGuards(WsAuthGuard)
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer()
  nsp!: Namespace;
  initialisedWith: unknown;
  readonly disconnects: string[] = [];

  constructor(private readonly service: ChatService) {}

  afterInit(nsp: Namespace): void {
    this.initialisedWith = nsp;
  }

  async handleConnection(socket: Socket): Promise<void> {
    // Slow on purpose: with `awaitConnectionHook`, events wait for this.
    await new Promise(resolve => setTimeout(resolve, 50));
    if (socket.handshake.auth.refuse) throw new WsException('not today');
    socket.data.name = String(socket.handshake.auth.name ?? 'anonymous');
    this.service.hooks.push('connected');
  }

  handleDisconnect(_socket: Socket, reason: string): void {
    this.disconnects.push(reason);
  }

  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: Socket) {
    return this.service.greet(socket.data.name ?? 'not yet');
  }

  @SubscribeMessage('message')
  @UsePipes(new ValidationPipe({ transform: true }))
  message(@MessageBody() dto: MessageDto, @ConnectedSocket() socket: Socket) {
    this.service.messages.push(dto.text);
    return { accepted: dto.text, isDto: dto instanceof MessageDto, from: socket.id };
  }

  @SubscribeMessage('admin')
  @UseGuards(AdminGuard)
  admin() {
    return 'welcome, admin';
  }

  @SubscribeMessage('fail')
  fail(@MessageBody() kind: string) {
    if (kind === 'ws') throw new WsException({ message: 'nope', code: 42 });
    throw new Error('secret internals');
  }
}

@Module({
  providers: [ChatService, EventsGateway, ChatGateway],
})
export class AppModule {}
