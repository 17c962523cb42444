import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Server } from '@sockline/core';
import { Gateway, mountGateways, typedEvents } from '@sockline/gateway';
import { connectClient, listen } from '@sockline/e2e/support';

interface ClientToServerEvents {
  add: (operands: { a: number; b: number }, ack: (sum: number) => void) => void;
  note: (text: string) => void;
}

const { On } = typedEvents<ClientToServerEvents>();

@Gateway('/typed')
class TypedGateway {
  @On('add')
  add(operands: { a: number; b: number }): number {
    return operands.a + operands.b;
  }

  @On('note')
  note(text: string): void {
    void text;
  }
}

// The lines below are compile-time checks: each must be an error, or the build of this test fails.
export class Misuses {
  // @ts-expect-error: "substract" is not an event of ClientToServerEvents
  @On('substract')
  unknownEvent() {}

  // @ts-expect-error: the payload of "note" is a string
  @On('note')
  wrongPayload(text: number) {
    return text;
  }

  // @ts-expect-error: the ack of "add" carries a number
  @On('add')
  wrongAck(operands: { a: number; b: number }): string {
    return String(operands.a);
  }
}

describe('typed events', () => {
  it('handlers declared with typedEvents() run like any other', async () => {
    const httpServer = createServer();
    const io = new Server<ClientToServerEvents>(httpServer);
    await mountGateways(io, [TypedGateway]);
    const client = await connectClient(`${await listen(httpServer)}/typed`);
    try {
      assert.equal(await client.emitWithAck('add', { a: 2, b: 3 }), 5);
    } finally {
      client.close();
      await new Promise<void>(resolve => io.close(() => resolve()));
    }
  });
});
