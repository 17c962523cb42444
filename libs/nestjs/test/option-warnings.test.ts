// What Nest and the adapter pass to the core are server options only: the core warns about options
// it does not know (SOCKLINE_UNKNOWN_OPTION), so neither Nest's gateway metadata (`namespace`,
// `server`) nor the adapter's own options nor the Express / Fastify mounts' may reach it. A file of
// its own: the core warns once per option name and process, so an earlier test would hide it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { startApp, type Platform } from './app.js';
import { connectClient } from '@sockline/e2e/support';

@WebSocketGateway({
  namespace: 'warned',
  cors: { origin: '*', headers: ['x-token'] },
  transports: ['polling', 'websocket'],
  pingInterval: 4321,
})
class OptionsGateway {
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

describe('@sockline/nestjs passes only server options to the core', () => {
  for (const platform of ['express', 'fastify'] as Platform[]) {
    it(`${platform}: gateway metadata, adapter options and the mount's: no unknown-option warning`, async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const running = await startApp(
        platform,
        { providers: [OptionsGateway] },
        {
          server: { maxBufferedBytes: 1e6 },
          mergeServerOptions: true,
          logDiagnostics: false,
          connectionGuards: true,
          guardsOnRecovery: true,
        },
      );
      try {
        const client = await connectClient(`${running.url}/warned`, { transports: ['websocket'] });
        assert.equal(await client.timeout(5000).emitWithAck('ping'), 'pong');
        client.disconnect();
        await new Promise(resolve => setImmediate(resolve));
        assert.deepEqual(
          warnings.map(w => w.message),
          [],
        );
      } finally {
        process.off('warning', onWarning);
        await running.close();
      }
    });
  }
});
