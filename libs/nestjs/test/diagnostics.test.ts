import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoggerService } from '@nestjs/common';
import { startApp, type Platform } from './app.js';
import { AppModule } from './fixtures.js';
import { violateProtocol, waitUntil } from '@sockline/e2e/support';

interface WarnCall {
  message: string;
  params: unknown[];
}

/** A Nest logger that keeps its warn calls (Nest passes the context as the last parameter). */
function capturingLogger(): { logger: LoggerService; warns: WarnCall[] } {
  const warns: WarnCall[] = [];
  const logger: LoggerService = {
    log() {},
    error() {},
    warn: (message: unknown, ...params: unknown[]) => void warns.push({ message: String(message), params }),
  };
  return { logger, warns };
}

const diagnosticWarns = (warns: WarnCall[]) => warns.filter(w => w.message.startsWith('sockline'));

for (const platform of ['express', 'fastify'] as Platform[]) {
  describe(`@sockline/nestjs logs diagnostics through Nest's Logger (${platform})`, () => {
    it('a client breaking the protocol: one warn line, context "Sockline", with the diagnostic; not logged twice', async () => {
      const { logger, warns } = capturingLogger();
      const consoleWarn = console.warn;
      const printed: unknown[] = [];
      console.warn = (...args: unknown[]) => void printed.push(args);
      const running = await startApp(platform, { imports: [AppModule] }, {}, undefined, logger);
      try {
        const sid = await violateProtocol(running.url);
        await waitUntil(() => diagnosticWarns(warns).length > 0, 'the warn line');
        const [line, ...others] = diagnosticWarns(warns);
        assert.deepEqual(others, []);
        assert.match(line!.message, new RegExp(`^sockline violation invalid-packet: .*sid ${sid}`));
        assert.equal(line!.params.at(-1), 'Sockline');
        assert.deepEqual(
          { name: (line!.params[0] as { name?: string }).name, sid: (line!.params[0] as { sid?: string }).sid },
          { name: 'invalid-packet', sid },
        );
        assert.deepEqual(printed, [], 'the Express mount does not print it to the console as well');
      } finally {
        console.warn = consoleWarn;
        await running.close();
      }
    });

    it('a flood is rate-limited, the rest counted when the application closes; logDiagnostics: false logs none', async () => {
      const { logger, warns } = capturingLogger();
      const running = await startApp(platform, { imports: [AppModule] }, {}, undefined, logger);
      try {
        for (let i = 0; i < 12; i++) await violateProtocol(running.url);
        assert.equal(diagnosticWarns(warns).length, 10);
      } finally {
        await running.close();
      }
      const lines = diagnosticWarns(warns);
      assert.equal(lines.length, 11);
      assert.match(lines[10]!.message, /^sockline: 2 more diagnostics not logged/);

      const silent = capturingLogger();
      const quiet = await startApp(platform, { imports: [AppModule] }, { logDiagnostics: false }, undefined, silent.logger);
      try {
        await violateProtocol(quiet.url);
      } finally {
        await quiet.close();
      }
      assert.deepEqual(diagnosticWarns(silent.warns), []);
    });
  });
}
