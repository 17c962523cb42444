// Acks of stock Nest gateways on the adapter: whatever a handler does, a client that asked for an
// ack gets at most one answer, counted on the wire (the client itself would hide a second one).
// Values, promises and observables answer once; `@Ack()` handlers answer by themselves, once;
// errors answer in the ack with `ackErrors`, and go to the exception event otherwise (Nest's
// semantics, like nil results, which Nest does not ack).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ack, MessageBody, SubscribeMessage, WebSocketGateway, WsException } from '@nestjs/websockets';
import { of } from 'rxjs';
import { SAFETY_NET_MS, ackPacketsDuring, connectClient, nextEvent, type ClientSocket } from '@sockline/e2e/support';
import { startApp, type Platform, type RunningApp } from './app.js';

type AckFn = (value: unknown) => void;
const tick = () => new Promise(resolve => setTimeout(resolve, 5));

@WebSocketGateway({ namespace: 'acks' })
class AckGateway {
  private readonly waiting = new Map<string, () => void>();

  whenFinished(event: string): Promise<void> {
    return new Promise(resolve => this.waiting.set(event, resolve));
  }

  private finished(event: string): void {
    this.waiting.get(event)?.();
    this.waiting.delete(event);
  }

  @SubscribeMessage('sync')
  sync() {
    return 'synced';
  }

  @SubscribeMessage('value')
  value() {
    return 'a value';
  }

  @SubscribeMessage('resolves')
  async resolves() {
    await tick();
    return 'resolved';
  }

  @SubscribeMessage('many-values')
  manyValues() {
    return of('first', 'second', 'third');
  }

  @SubscribeMessage('nothing')
  nothing() {}

  @SubscribeMessage('ws-exception')
  wsException() {
    throw new WsException('nope');
  }

  @SubscribeMessage('ack-late')
  ackLate(@MessageBody() _data: unknown, @Ack() ack: AckFn) {
    setTimeout(() => ack('late'), 20);
  }

  @SubscribeMessage('ack-twice')
  ackTwice(@MessageBody() _data: unknown, @Ack() ack: AckFn) {
    ack('first');
    ack('second');
    return 'returned, not sent';
  }

  @SubscribeMessage('ack-throws')
  ackThrows(@MessageBody() _data: unknown, @Ack() _ack: AckFn) {
    throw new WsException('failed before answering');
  }

  @SubscribeMessage('ack-then-throws')
  ackThenThrows(@MessageBody() _data: unknown, @Ack() ack: AckFn) {
    ack('answered');
    throw new WsException('failed after answering');
  }

  // Without parameter decorators Nest calls handlers as (client, data, ack).

  @SubscribeMessage('positional-late')
  positionalLate(_client: unknown, _data: unknown, ack: AckFn) {
    setTimeout(() => ack('done'), 20);
  }

  @SubscribeMessage('positional-both')
  positionalBoth(_client: unknown, _data: unknown, ack: AckFn) {
    ack('by callback');
    return 'by return';
  }

  @SubscribeMessage('positional-returns-then-acks')
  positionalReturnsThenAcks(_client: unknown, _data: unknown, ack: AckFn) {
    setTimeout(() => {
      ack('by callback, too late');
      this.finished('positional-returns-then-acks');
    }, 20);
    return 'by return';
  }
}

interface NestAckCase {
  event: string;
  does: string;
  /** The one answer, or `NO_ACK` when Nest's semantics give none. */
  answer: unknown;
  /** The exception event's `message`, when one comes. */
  exception?: string;
  triesAgain?: boolean;
}

const NO_ACK = Symbol('no ack');

function cases(ackErrors: boolean): NestAckCase[] {
  return [
    { event: 'value', does: 'returns a value', answer: 'a value' },
    { event: 'resolves', does: 'resolves a Promise', answer: 'resolved' },
    { event: 'many-values', does: 'returns an Observable of several values', answer: 'first' },
    { event: 'nothing', does: 'returns undefined (Nest acks no nil result)', answer: NO_ACK },
    ackErrors
      ? { event: 'ws-exception', does: 'throws WsException', answer: { error: { message: 'nope' } } }
      : { event: 'ws-exception', does: 'throws WsException', answer: NO_ACK, exception: 'nope' },
    { event: 'ack-late', does: 'takes @Ack() and answers later', answer: 'late' },
    { event: 'ack-twice', does: 'takes @Ack() and answers twice', answer: 'first' },
    ackErrors
      ? { event: 'ack-throws', does: 'takes @Ack() and throws before answering', answer: { error: { message: 'failed before answering' } } }
      : { event: 'ack-throws', does: 'takes @Ack() and throws before answering', answer: NO_ACK, exception: 'failed before answering' },
    { event: 'ack-then-throws', does: 'takes @Ack(), answers, then throws', answer: 'answered', exception: 'failed after answering' },
    { event: 'positional-late', does: 'takes the ack as a plain argument and answers later', answer: 'done' },
    { event: 'positional-both', does: 'calls the plain ack, then returns a value', answer: 'by callback' },
    {
      event: 'positional-returns-then-acks',
      does: 'returns a value, then calls the plain ack late',
      answer: 'by return',
      triesAgain: true,
    },
  ];
}

for (const platform of ['express', 'fastify'] as Platform[]) {
  for (const ackErrors of [false, true]) {
    describe(`@sockline/nestjs acks on platform-${platform}${ackErrors ? ', with ackErrors' : ', stock'}: one answer at most`, () => {
      let running: RunningApp;
      let gateway: AckGateway;
      const clients: ClientSocket[] = [];
      before(async () => {
        running = await startApp(platform, { providers: [AckGateway] }, { ackErrors });
        gateway = running.app.get(AckGateway);
      });
      after(async () => {
        for (const client of clients) client.close();
        await running.close();
      });

      for (const { event, does, answer, exception, triesAgain } of cases(ackErrors)) {
        const outcome = answer === NO_ACK ? 'no ack' : 'exactly one answer';
        it(`a handler that ${does}: ${outcome}${exception ? ' and the exception event' : ''}`, async () => {
          const client = await connectClient(`${running.url}/acks`);
          clients.push(client);
          const finished = triesAgain ? gateway.whenFinished(event) : undefined;
          const exceptionEvent = exception ? nextEvent<{ status: string; message: string }>(client, 'exception') : undefined;
          let received: unknown = NO_ACK;
          const packets = await ackPacketsDuring(client, async () => {
            if (answer === NO_ACK) {
              client.emit(event, {}, (value: unknown) => (received = value));
              await exceptionEvent;
            } else {
              received = await client.timeout(SAFETY_NET_MS).emitWithAck(event, {});
            }
            await finished;
            assert.equal(await client.emitWithAck('sync'), 'synced');
          });
          assert.deepEqual(received, answer);
          const expected = answer === NO_ACK ? 1 : 2;
          assert.equal(packets.length, expected, `ACK packets (the last one answers the round trip): ${packets.join(' | ')}`);
          if (exceptionEvent) {
            const payload = await exceptionEvent;
            assert.equal(payload.status, 'error');
            assert.equal(payload.message, exception);
          }
        });
      }
    });
  }
}
