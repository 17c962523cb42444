import { MessageDto } from '@sockline/e2e/support';
import {
  Ack,
  ConnectedSocket,
  ForbiddenError,
  Gateway,
  GatewayError,
  GatewayNamespace,
  On,
  Payload,
  UseGuards,
  type CanActivate,
  type GatewayNamespaceLike,
  type GatewaySocket,
  type GuardContext,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@sockline/gateway';

/** A dependency the gateway receives through its constructor. */
export class ChatService {
  readonly log: string[] = [];
  greet(name: string): string {
    return `hello ${name}`;
  }
}

/** Reads `handshake.auth.token`; a wrong token is refused with a message of its own. */
export class AuthGuard implements CanActivate {
  canActivate({ socket }: GuardContext): boolean {
    const token = socket.handshake.auth.token;
    if (token === undefined) return false;
    if (token !== 'secret') throw new GatewayError('invalid token', { token });
    return true;
  }
}

const adminOnly = ({ socket }: GuardContext) => socket.handshake.auth.role === 'admin';

/** A minimal observable (the package does not depend on rxjs). */
function emitMany(...values: unknown[]) {
  return {
    subscribe(observer: { next(v: unknown): void; complete(): void }) {
      for (const value of values) observer.next(value);
      observer.complete();
      return { unsubscribe() {} };
    },
  };
}

@Gateway('/chat')
@UseGuards(AuthGuard)
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @GatewayNamespace()
  nsp!: GatewayNamespaceLike;
  initialisedWith: GatewayNamespaceLike | undefined;
  readonly disconnects: string[] = [];
  unsubscribed = 0;

  constructor(private readonly chat: ChatService) {}

  afterInit(nsp: GatewayNamespaceLike): void {
    this.initialisedWith = nsp;
  }

  async handleConnection(socket: GatewaySocket): Promise<void> {
    // Slow on purpose: events must not be dispatched before this resolves.
    await new Promise(resolve => setTimeout(resolve, 50));
    if (socket.handshake.auth.refuse) throw new GatewayError('not today', { reason: 'refuse flag' });
    socket.data = { name: String(socket.handshake.auth.name ?? 'anonymous') };
  }

  handleDisconnect(_socket: GatewaySocket, reason: string): void {
    this.disconnects.push(reason);
  }

  @On('whoami')
  whoami(@ConnectedSocket() socket: GatewaySocket) {
    return this.chat.greet((socket.data as { name: string }).name);
  }

  @On('message')
  message(@Payload() dto: MessageDto, @ConnectedSocket() socket: GatewaySocket) {
    this.chat.log.push(dto.text);
    return { accepted: dto.text, isDto: dto instanceof MessageDto, from: socket.id };
  }

  @On('strict', { validation: { whitelist: true, forbidNonWhitelisted: true } })
  strict(@Payload() dto: MessageDto) {
    return dto;
  }

  @On('stripped', { validation: { whitelist: true } })
  stripped(@Payload() dto: MessageDto) {
    return dto;
  }

  @On('admin')
  @UseGuards(adminOnly)
  admin() {
    return 'welcome, admin';
  }

  @On('slow')
  async slow(@Payload() n: number) {
    await new Promise(resolve => setTimeout(resolve, 10));
    return n * 2;
  }

  @On('echo-event')
  echoEvent(@Payload() data: unknown) {
    return { event: 'echoed', data };
  }

  @On('stream')
  stream() {
    return emitMany({ event: 'tick', data: 1 }, { event: 'tick', data: 2 }, 'done');
  }

  @On('forever')
  forever() {
    // Never completes: the subscription must end when the client goes away.
    return {
      subscribe: (observer: { next(v: unknown): void }) => {
        observer.next({ event: 'started', data: true });
        return { unsubscribe: () => void this.unsubscribed++ };
      },
    };
  }

  @On('fail')
  fail(@Payload() kind: string) {
    if (kind === 'gateway') throw new GatewayError('nope', { code: 42 });
    if (kind === 'forbidden') throw new ForbiddenError();
    throw new Error('secret internals');
  }

  @On('manual')
  manual(@Payload() value: string, @Ack() ack: (response: unknown) => void) {
    ack(`manual:${value}`);
    return 'ignored';
  }
}

@Gateway()
export class RootGateway {
  @On('ping')
  ping(payload: unknown) {
    return { pong: payload };
  }

  @On('nothing')
  nothing() {}
}
