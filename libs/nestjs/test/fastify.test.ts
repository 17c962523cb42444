import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { nestScenario } from './scenario.js';
import { startApp, type RunningApp } from './app.js';
import { AppModule } from './fixtures.js';
import { connectClient, refusedConnection, type ClientSocket } from '@sockline/e2e/support';

nestScenario('fastify');

describe('@sockline/nestjs on platform-fastify: mounted through @sockline/fastify', () => {
  let running: RunningApp;
  const seen: string[] = [];
  before(async () => {
    running = await startApp('fastify', { imports: [AppModule] }, {}, app => {
      const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
      // An application-wide Fastify hook: it must see (and be able to refuse) engine traffic.
      fastify.addHook('onRequest', async (request, reply) => {
        seen.push(request.url.split('?')[0]!);
        if (request.url.includes('blocked=1')) await reply.code(403).send({ message: 'blocked by hook' });
      });
    });
  });
  after(() => running.close());

  for (const transport of ['polling', 'websocket'] as const) {
    it(`runs Fastify onRequest hooks for ${transport} requests`, async () => {
      seen.length = 0;
      const client: ClientSocket = await connectClient(running.url, { transports: [transport] });
      assert.deepEqual(await client.emitWithAck('ping', 1), { pong: 1 });
      client.close();
      assert.ok(seen.some(url => url.startsWith('/socket.io')));
    });

    it(`lets a Fastify hook refuse the ${transport} handshake`, async () => {
      const error = await refusedConnection(running.url, { transports: [transport], query: { blocked: '1' } });
      assert.ok(error);
    });
  }

  it('decorates the Fastify instance with the server', () => {
    const fastify = (running.app as NestFastifyApplication).getHttpAdapter().getInstance() as unknown as { io: unknown };
    assert.ok(fastify.io);
  });
});
