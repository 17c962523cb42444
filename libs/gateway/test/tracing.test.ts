// A gateway handler's guards, validation and body run inside the core's `sockline:handler` span.
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { Server, type HandlerContext } from '@sockline/core';
import { Gateway, mountGateways, On, Payload, UseGuards, type GuardContext } from '@sockline/gateway';
import { listen } from '@sockline/e2e/support';

const steps: string[] = [];

class NoteDto {
  @IsString() text!: string;
}

const slowGuard = async ({ event }: GuardContext) => {
  steps.push(`guard ${event}`);
  await new Promise(resolve => setTimeout(resolve, 10));
  return true;
};

@Gateway()
class NotesGateway {
  @On('note')
  @UseGuards(slowGuard)
  async note(@Payload() dto: NoteDto) {
    steps.push('handler');
    await new Promise(resolve => setTimeout(resolve, 10));
    return dto.text.toUpperCase();
  }
}

describe('@sockline/gateway handlers in the sockline:handler span', () => {
  let io: Server;
  let client: ClientSocket;
  const channel = diagnosticsChannel.tracingChannel<unknown, HandlerContext>('sockline:handler');
  const phase = (name: string) => (context: HandlerContext) => steps.push(`${name} ${String(context.event)}`);
  const subscribers = {
    start: phase('start'),
    end: phase('end'),
    asyncStart: phase('asyncStart'),
    asyncEnd: phase('asyncEnd'),
    error: phase('error'),
  };
  before(async () => {
    const httpServer = createServer();
    io = new Server(httpServer);
    await mountGateways(io, [NotesGateway]);
    client = connect(await listen(httpServer), { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise(resolve => client.once('connect', () => resolve(undefined)));
    channel.subscribe(subscribers);
  });
  after(async () => {
    channel.unsubscribe(subscribers);
    client.disconnect();
    await new Promise<void>(resolve => io.close(() => resolve()));
  });

  it('the span ends after the guard, the validation and the handler settled; a refused payload ends it with an error', async () => {
    assert.equal(await client.emitWithAck('note', { text: 'hi' }), 'HI');
    assert.deepEqual(steps, ['start note', 'guard note', 'end note', 'handler', 'asyncStart note', 'asyncEnd note']);
    steps.length = 0;
    const refused = await client.emitWithAck('note', { text: 42 });
    assert.equal(refused.error.message, 'Validation failed');
    assert.deepEqual(steps, ['start note', 'guard note', 'end note', 'error note', 'asyncStart note', 'asyncEnd note']);
  });
});
