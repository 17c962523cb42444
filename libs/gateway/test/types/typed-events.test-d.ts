/**
 * Type tests of @sockline/gateway, compiled by TypeScript 5 (see test/support/type-tests.ts; never
 * run): `typedEvents<Events>()` checks event names, payload types and ack values against the same
 * events interface `Server<...>` takes; the lifecycle and mounting types fit a core Server. Each
 * `@ts-expect-error` line must be an error, or the check fails.
 */
import { Server } from '@sockline/core';
import {
  Gateway,
  GatewayNamespace,
  mountGateways,
  typedEvents,
  type EventAckValue,
  type EventPayload,
  type GatewayNamespaceLike,
  type GatewaySocket,
  type OnGatewayConnection,
  type OnGatewayInit,
} from '@sockline/gateway';

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectTrue<T extends true>(_proof?: T): void {}

interface ClientToServerEvents {
  add: (operands: { a: number; b: number }, ack: (sum: number) => void) => void;
  note: (text: string) => void;
  ping: (ack: (at: number) => void) => void;
}

expectTrue<Equal<EventPayload<ClientToServerEvents['add']>, { a: number; b: number }>>();
expectTrue<Equal<EventAckValue<ClientToServerEvents['add']>, number>>();
expectTrue<Equal<EventPayload<ClientToServerEvents['ping']>, undefined>>();
expectTrue<Equal<EventAckValue<ClientToServerEvents['ping']>, number>>();
expectTrue<Equal<EventAckValue<ClientToServerEvents['note']>, unknown>>();

const { On } = typedEvents<ClientToServerEvents>();

@Gateway('/typed')
export class TypedGateway implements OnGatewayInit<GatewayNamespaceLike>, OnGatewayConnection {
  @GatewayNamespace()
  nsp!: GatewayNamespaceLike;

  afterInit(namespace: GatewayNamespaceLike): void {
    void namespace.name;
  }

  handleConnection(socket: GatewaySocket): void {
    void socket.id;
  }

  @On('add')
  add(operands: { a: number; b: number }): number {
    return operands.a + operands.b;
  }

  @On('add')
  async addLater(operands: { a: number; b: number }): Promise<number> {
    return operands.a + operands.b;
  }

  @On('note')
  note(text: string): void {
    void text;
  }

  @On('ping')
  ping(): number {
    return Date.now();
  }
}

export class Misuses {
  // @ts-expect-error "substract" is not an event of ClientToServerEvents
  @On('substract')
  unknownEvent() {}

  // @ts-expect-error the payload of "note" is a string
  @On('note')
  wrongPayload(text: number) {
    return text;
  }

  // @ts-expect-error the ack of "add" carries a number
  @On('add')
  wrongAck(operands: { a: number; b: number }): string {
    return String(operands.a);
  }

  // @ts-expect-error the ack of "add" carries a number, also when it comes later
  @On('add')
  async wrongLaterAck(operands: { a: number; b: number }): Promise<string> {
    return String(operands.a);
  }
}

export async function mounting(): Promise<void> {
  const io = new Server<ClientToServerEvents>();
  await mountGateways(io, [TypedGateway, new TypedGateway()], { factory: cls => new cls() });
  // @ts-expect-error the factory builds an object from a class
  await mountGateways(io, [TypedGateway], { factory: (cls: string) => cls });
}
