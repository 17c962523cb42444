import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nestScenario } from './scenario.js';
import { startApp, type RunningApp } from './app.js';
import { AppModule } from './fixtures.js';
import { connectClient, refusedConnection } from '@sockline/e2e/support';

nestScenario('express');

describe('@sockline/nestjs on platform-express: mounted through @sockline/express', () => {
  let running: RunningApp;
  const seen: string[] = [];
  before(async () => {
    running = await startApp('express', { imports: [AppModule] }, {}, app => {
      // Application middleware added before init: it must see (and be able to refuse) engine traffic.
      app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
        seen.push(req.url!.split('?')[0]!);
        if (req.url!.includes('blocked=1')) {
          res.statusCode = 403;
          res.end('blocked by middleware');
          return;
        }
        next();
      });
    });
  });
  after(() => running.close());

  for (const transport of ['polling', 'websocket'] as const) {
    it(`runs application middleware for ${transport} requests`, async () => {
      seen.length = 0;
      const client = await connectClient(running.url, { transports: [transport] });
      assert.deepEqual(await client.emitWithAck('ping', 1), { pong: 1 });
      client.close();
      assert.ok(seen.some(url => url.startsWith('/socket.io')));
    });

    it(`lets application middleware refuse the ${transport} handshake`, async () => {
      const error = await refusedConnection(running.url, { transports: [transport], query: { blocked: '1' } });
      assert.ok(error);
    });
  }

  it('still serves Nest routes next to the engine path', async () => {
    const response = await fetch(`${running.url}/not-a-route`);
    assert.equal(response.status, 404);
  });
});
