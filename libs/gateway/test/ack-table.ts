import { it } from 'node:test';
import assert from 'node:assert/strict';
import { SAFETY_NET_MS, ackPacketsDuring, nextEvent, type ClientSocket } from '@sockline/e2e/support';
import type { AckGateway } from './ack-fixtures.js';

interface AckCase {
  event: string;
  /** What the handler does. */
  does: string;
  /** The one answer the client gets. */
  answer: unknown;
  /** The `exception` event that comes with it, if any (an error that could not go in the ack). */
  exception?: unknown;
  /** Another event the handler emits. */
  emits?: { event: string; data: unknown };
  /** The handler tries to answer again after its first answer: wait for that before counting. */
  triesAgain?: boolean;
}

const CASES: AckCase[] = [
  { event: 'value', does: 'returns a value', answer: 'a value' },
  { event: 'resolves', does: 'resolves a Promise', answer: 'resolved' },
  { event: 'rejects', does: 'rejects', answer: { error: { message: 'rejected' } } },
  { event: 'throws', does: 'throws synchronously', answer: { error: { message: 'thrown' } } },
  { event: 'nothing', does: 'returns undefined without taking the callback', answer: null },
  { event: 'event-response', does: 'returns an { event, data } response', answer: null, emits: { event: 'evented', data: 1 } },
  { event: 'many-values', does: 'returns an observable of several values', answer: 'first' },
  { event: 'observable-fails', does: 'returns an observable that fails', answer: { error: { message: 'stream failed' } } },
  { event: 'guarded', does: 'is refused by its guard', answer: { error: { message: 'Forbidden' } } },
  { event: 'ack-late', does: 'takes @Ack() and answers later', answer: 'late' },
  { event: 'ack-twice', does: 'takes @Ack() and answers twice (and returns a value)', answer: 'first' },
  { event: 'ack-throws', does: 'takes @Ack() and throws before answering', answer: { error: { message: 'nope' } } },
  {
    event: 'ack-rejects-then-acks',
    does: 'takes @Ack(), rejects, then calls the callback late',
    answer: { error: { message: 'failed first' } },
    triesAgain: true,
  },
  {
    event: 'ack-then-throws',
    does: 'takes @Ack(), answers, then throws',
    answer: 'answered',
    exception: { error: { message: 'failed after answering' }, event: 'ack-then-throws' },
  },
  { event: 'ack-returns-value', does: 'takes @Ack(), returns a value and answers later', answer: 'from the callback' },
  { event: 'positional-late', does: 'takes the callback as a plain third argument and answers later', answer: 'done' },
  { event: 'positional-returns', does: 'takes the callback as a plain argument but returns a value', answer: 'by return' },
  { event: 'positional-both', does: 'calls the plain callback, then resolves a value', answer: 'by callback' },
  {
    event: 'positional-returns-then-acks',
    does: 'returns a value, then calls the plain callback late',
    answer: 'by return',
    triesAgain: true,
  },
  { event: 'positional-throws', does: 'takes the plain callback and throws', answer: { error: { message: 'positional failure' } } },
];

/**
 * Whatever a handler does, a client that asked for an ack gets exactly one answer: counted on the
 * wire, since the client itself would hide a second one. `open` connects a client to `/acks`.
 */
export function ackTable(context: () => { acks: AckGateway; open(): Promise<ClientSocket> }): void {
  for (const { event, does, answer, exception, emits, triesAgain } of CASES) {
    it(`a handler that ${does}: exactly one answer`, async () => {
      const { acks, open } = context();
      const client = await open();
      const finished = triesAgain ? acks.whenFinished(event) : undefined;
      const exceptionEvent = exception ? nextEvent(client, 'exception') : undefined;
      const emitted = emits ? nextEvent(client, emits.event) : undefined;
      let received: unknown;
      const packets = await ackPacketsDuring(client, async () => {
        // Bounded: a handler that leaves the client waiting fails the test instead of hanging it.
        received = await client.timeout(SAFETY_NET_MS).emitWithAck(event, {});
        await finished;
        assert.equal(await client.emitWithAck('sync'), 'synced');
      });
      assert.deepEqual(received, answer);
      assert.equal(packets.length, 2, `one ACK for "${event}", one for the round trip after it: ${packets.join(' | ')}`);
      if (exceptionEvent) assert.deepEqual(await exceptionEvent, exception);
      if (emitted) assert.deepEqual(await emitted, emits!.data);
    });
  }
}
