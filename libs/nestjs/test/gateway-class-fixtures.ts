// `@Gateway` classes (from @sockline/gateway, unchanged) used as Nest providers, next to a stock
// `@WebSocketGateway`: their dependencies, guards and errors are Nest's.
import {
  Injectable,
  NotFoundException,
  Scope,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer, WsException } from '@nestjs/websockets';
import {
  ConnectedSocket,
  Gateway,
  GatewayNamespace,
  On,
  Payload,
  UseGuards,
  type CanActivate,
  type GuardContext,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@sockline/gateway';
import type { Namespace, Server, Socket } from '@sockline/core';

/** What happened, in order: lifecycle hooks of Nest and of the gateway, guard calls. */
@Injectable()
export class Journal {
  readonly entries: string[] = [];
  add(entry: string): void {
    this.entries.push(entry);
  }
}

/** The tokens the guard accepts: a dependency of the guard, so the guard must be built by Nest. */
@Injectable()
export class TokenStore {
  readonly valid = new Set(['secret']);
  readonly admins = new Set(['admin']);
}

/** A gateway guard (the @sockline/gateway API) that is a Nest provider with a dependency. */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(private readonly tokens: TokenStore) {}

  canActivate({ socket }: GuardContext): boolean {
    const token = socket.handshake.auth.token;
    if (token === undefined) return false;
    if (!this.tokens.valid.has(String(token))) throw new WsException({ message: 'invalid token', token });
    return true;
  }
}

/** Not listed in any module's providers: built by Nest's injector in the gateway's module, with its dependency. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly tokens: TokenStore) {}

  canActivate({ socket }: GuardContext): boolean {
    return this.tokens.admins.has(String(socket.handshake.auth.role));
  }
}

/** A transient dependency: the gateway gets an instance of its own, which is fine. */
@Injectable({ scope: Scope.TRANSIENT })
export class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

@Gateway('/nest')
@UseGuards(TokenGuard)
export class NestChatGateway
  implements
    OnGatewayInit,
    OnGatewayConnection,
    OnGatewayDisconnect,
    OnModuleInit,
    OnApplicationBootstrap,
    OnModuleDestroy,
    OnApplicationShutdown
{
  @GatewayNamespace()
  nsp!: Namespace;

  constructor(
    private readonly journal: Journal,
    private readonly greeter: Greeter,
  ) {}

  afterInit(): void {
    this.journal.add('afterInit');
  }

  onModuleInit(): void {
    this.journal.add('onModuleInit');
  }

  onApplicationBootstrap(): void {
    this.journal.add('onApplicationBootstrap');
  }

  onModuleDestroy(): void {
    this.journal.add(`onModuleDestroy (sockets: ${this.nsp.sockets.size})`);
  }

  onApplicationShutdown(): void {
    this.journal.add('onApplicationShutdown');
  }

  handleConnection(socket: Socket): void {
    if (socket.handshake.auth.refuse) throw new WsException('not today');
    socket.data.name = String(socket.handshake.auth.name ?? 'anonymous');
  }

  handleDisconnect(_socket: Socket, reason: string): void {
    this.journal.add(`handleDisconnect: ${reason}`);
  }

  @On('whoami')
  whoami(@ConnectedSocket() socket: Socket) {
    return this.greeter.greet(socket.data.name);
  }

  @On('admin')
  @UseGuards(AdminGuard)
  admin() {
    return 'welcome, admin';
  }

  @On('fail')
  fail(@Payload() kind: string) {
    if (kind === 'ws-text') throw new WsException('plain words');
    if (kind === 'ws-object') throw new WsException({ message: 'nope', code: 42 });
    if (kind === 'http') throw new NotFoundException('no such room');
    throw new Error('secret internals');
  }
}

/** A stock Nest gateway on the root namespace of the same server. */
@WebSocketGateway()
export class StockGateway {
  @WebSocketServer()
  server!: Server;

  @SubscribeMessage('stock')
  stock(@MessageBody() data: unknown) {
    return { stock: data };
  }
}

/** A @Gateway on the root namespace too: each answers its own events on the one connection. */
@Gateway()
export class RootGatewayClass {
  @GatewayNamespace()
  nsp!: Namespace;

  @On('gateway')
  gateway(payload: unknown) {
    return { gateway: payload };
  }
}
