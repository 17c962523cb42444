import { Ack, Gateway, GatewayError, On, Payload, UseGuards, type AckCallback, type GatewaySocket } from '@sockline/gateway';

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

/**
 * One handler per way of answering (or failing to) an event sent with an ack. Handlers that make
 * a further answering attempt after the first answer call `finished(event)` once they have, so
 * the test can count the ACK packets only after every attempt was made.
 */
@Gateway('/acks')
export class AckGateway {
  private readonly waiting = new Map<string, () => void>();

  /** Resolves once the handler of `event` has made its last attempt to answer. */
  whenFinished(event: string): Promise<void> {
    return new Promise(resolve => this.waiting.set(event, resolve));
  }

  private finished(event: string): void {
    this.waiting.get(event)?.();
    this.waiting.delete(event);
  }

  @On('sync')
  sync() {
    return 'synced';
  }

  @On('value')
  value() {
    return 'a value';
  }

  @On('resolves')
  async resolves() {
    await tick();
    return 'resolved';
  }

  @On('rejects')
  async rejects() {
    await tick();
    throw new GatewayError('rejected');
  }

  @On('throws')
  throws() {
    throw new GatewayError('thrown');
  }

  @On('nothing')
  nothing() {}

  @On('event-response')
  eventResponse() {
    return { event: 'evented', data: 1 };
  }

  @On('many-values')
  manyValues() {
    return {
      subscribe(observer: { next(v: unknown): void; complete(): void }) {
        for (const value of ['first', 'second', 'third']) observer.next(value);
        observer.complete();
        return { unsubscribe() {} };
      },
    };
  }

  @On('observable-fails')
  observableFails() {
    return {
      subscribe(observer: { error(e: unknown): void }) {
        setTimeout(() => observer.error(new GatewayError('stream failed')), 5);
        return { unsubscribe() {} };
      },
    };
  }

  @On('guarded')
  @UseGuards(() => false)
  guarded() {
    return 'never';
  }

  // @Ack(): the handler alone answers.

  @On('ack-late')
  ackLate(@Payload() _payload: unknown, @Ack() ack: AckCallback) {
    setTimeout(() => ack('late'), 20);
  }

  @On('ack-twice')
  ackTwice(@Payload() _payload: unknown, @Ack() ack: AckCallback) {
    ack('first');
    ack('second');
    return 'returned, not sent';
  }

  @On('ack-throws')
  ackThrows(@Payload() _payload: unknown, @Ack() _ack: AckCallback) {
    throw new GatewayError('nope');
  }

  @On('ack-rejects-then-acks')
  async ackRejectsThenAcks(@Payload() _payload: unknown, @Ack() ack: AckCallback) {
    setTimeout(() => {
      ack('too late');
      this.finished('ack-rejects-then-acks');
    }, 20);
    await tick();
    throw new GatewayError('failed first');
  }

  @On('ack-then-throws')
  ackThenThrows(@Payload() _payload: unknown, @Ack() ack: AckCallback) {
    ack('answered');
    throw new GatewayError('failed after answering');
  }

  @On('ack-returns-value')
  ackReturnsValue(@Payload() _payload: unknown, @Ack() ack: AckCallback) {
    setTimeout(() => ack('from the callback'), 10);
    return 'returned, not sent';
  }

  // No parameter decorators: called as (payload, socket, ack).

  @On('positional-late')
  positionalLate(_payload: unknown, _socket: GatewaySocket, ack: AckCallback) {
    setTimeout(() => ack('done'), 20);
  }

  @On('positional-returns')
  positionalReturns(_payload: unknown, _socket: GatewaySocket, _ack: AckCallback) {
    return 'by return';
  }

  @On('positional-both')
  async positionalBoth(_payload: unknown, _socket: GatewaySocket, ack: AckCallback) {
    ack('by callback');
    await tick();
    return 'by return';
  }

  @On('positional-returns-then-acks')
  positionalReturnsThenAcks(_payload: unknown, _socket: GatewaySocket, ack: AckCallback) {
    setTimeout(() => {
      ack('by callback, too late');
      this.finished('positional-returns-then-acks');
    }, 20);
    return 'by return';
  }

  @On('positional-throws')
  positionalThrows(_payload: unknown, _socket: GatewaySocket, _ack: AckCallback) {
    throw new GatewayError('positional failure');
  }
}
