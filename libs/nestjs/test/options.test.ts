import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable, Module } from '@nestjs/common';
import { Ack, MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Adapter, type AdapterNamespace } from '@sockline/core';
import { Test } from '@nestjs/testing';
import { GatewayOptionsConflictError, SocklineAdapter, SocklineModule } from '@sockline/nestjs';
import { startApp, type Platform, type RunningApp } from './app.js';
import { connectClient, freePort, type ClientSocket } from '@sockline/e2e/support';

/** The Engine.IO handshake as a raw polling request sees it (status, CORS header, open packet). */
async function handshake(url: string, path = '/socket.io/', origin?: string) {
  const response = await fetch(`${url}${path}?EIO=4&transport=polling`, { headers: origin ? { origin } : {} });
  const body = await response.text();
  const open = JSON.parse(body.slice(1)) as { sid: string; pingInterval: number };
  return { status: response.status, allowOrigin: response.headers.get('access-control-allow-origin'), open };
}

@WebSocketGateway({ namespace: 'a', cors: { origin: 'http://allowed.test' } })
class GatewayA {
  @SubscribeMessage('who')
  who() {
    return 'a';
  }
}

@WebSocketGateway({ namespace: 'b', pingInterval: 4321 })
class GatewayB {
  @SubscribeMessage('who')
  who() {
    return 'b';
  }
}

@WebSocketGateway({ namespace: 'c', pingInterval: 1111 })
class ConflictingGateway {}

@WebSocketGateway({ path: '/second', namespace: /^\/room-\d+$/, transports: ['websocket'] })
class RoomsGateway {
  @WebSocketServer()
  rooms!: { name: unknown };

  @SubscribeMessage('where')
  where(@MessageBody() _data: unknown, @Ack() ack: (value: unknown) => void) {
    ack('in a room');
    return 'not sent: the handler acks by itself';
  }
}

describe('@sockline/nestjs: gateways sharing a server', () => {
  const clients: ClientSocket[] = [];
  after(() =>
    clients.forEach(c => {
      c.close();
    }),
  );

  for (const platform of ['express', 'fastify'] as Platform[]) {
    it(`merges the server options of gateways on one server (mergeServerOptions, ${platform})`, async () => {
      const running = await startApp(platform, { providers: [GatewayA, GatewayB] }, { mergeServerOptions: true });
      try {
        const { allowOrigin, open } = await handshake(running.url, '/socket.io/', 'http://allowed.test');
        assert.equal(allowOrigin, 'http://allowed.test');
        assert.equal(open.pingInterval, 4321);
      } finally {
        await running.close();
      }
    });

    it(`without mergeServerOptions keeps Nest's behaviour, but logs the ignored options (${platform})`, async () => {
      const warnings: string[] = [];
      const logger = { log() {}, error() {}, warn: (message: unknown) => void warnings.push(String(message)) };
      const running = await startApp(platform, { providers: [GatewayA, GatewayB] }, {}, undefined, logger);
      try {
        const { allowOrigin, open } = await handshake(running.url, '/socket.io/', 'http://allowed.test');
        // One gateway's options made the server; the other's were not applied...
        assert.ok(allowOrigin !== 'http://allowed.test' || open.pingInterval !== 4321);
        // ...and that is said, naming the gateway and the options.
        assert.ok(warnings.some(w => /Gateway[AB] shares its Socket.IO server/.test(w) && /"(cors|pingInterval)"/.test(w)));
      } finally {
        await running.close();
      }
    });

    it(`serves a second path and a RegExp namespace, with @Ack handled by the handler (${platform})`, async () => {
      const running = await startApp(platform, { providers: [GatewayA, RoomsGateway] });
      try {
        const a = await connectClient(`${running.url}/a`);
        const room = await connectClient(`${running.url}/room-12`, { path: '/second' });
        clients.push(a, room);
        assert.equal(await a.emitWithAck('who'), 'a');
        assert.equal(await room.emitWithAck('where', {}), 'in a room');
        assert.ok(running.app.get(RoomsGateway).rooms);
        // The second server took its gateway's `transports`: no polling there, polling still on the first.
        assert.equal((await fetch(`${running.url}/second/?EIO=4&transport=polling`)).status, 400);
        assert.equal((await handshake(running.url)).status, 200);
      } finally {
        await running.close();
      }
    });
  }

  it('reports conflicting options at start-up, naming both gateways', async () => {
    await assert.rejects(
      startApp('express', { providers: [GatewayB, ConflictingGateway] }, { mergeServerOptions: true }),
      (error: unknown) =>
        error instanceof GatewayOptionsConflictError &&
        error.option === 'pingInterval' &&
        error.message.includes('GatewayB') &&
        error.message.includes('ConflictingGateway'),
    );
  });
});

@Injectable()
class SettingsService {
  readonly pingInterval = 3333;
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

/** Stands for a cluster adapter: records the namespaces it was created for. */
const adaptedNamespaces: string[] = [];
class RecordingAdapter extends Adapter {
  constructor(nsp: AdapterNamespace) {
    super(nsp);
    adaptedNamespaces.push(nsp.name);
  }
}

@WebSocketGateway({ namespace: 'other' })
class OtherGateway {}

@WebSocketGateway()
class FailingGateway {
  @SubscribeMessage('fail')
  fail() {
    throw new Error('boom');
  }
}

describe('@sockline/nestjs: SocklineModule configures the adapter from DI', () => {
  let running: RunningApp;
  before(async () => {
    running = await startApp('express', {
      imports: [
        SocklineModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SettingsService],
          useFactory: (settings: SettingsService) => ({
            server: { pingInterval: settings.pingInterval, adapter: RecordingAdapter },
            ackErrors: true,
          }),
        }),
      ],
      providers: [FailingGateway, OtherGateway],
    });
  });
  after(() => running.close());

  it('applies the server options (the cluster adapter among them) and the extras to every gateway', async () => {
    assert.equal((await handshake(running.url)).open.pingInterval, 3333);
    assert.ok(adaptedNamespaces.includes('/'));
    assert.ok(adaptedNamespaces.includes('/other'));
    const client = await connectClient(running.url);
    try {
      assert.deepEqual(await client.emitWithAck('fail'), { error: { message: 'Internal server error' } });
    } finally {
      client.close();
    }
  });
});

describe('@sockline/nestjs: a gateway with its own port', () => {
  let running: RunningApp;
  let port: number;
  before(async () => {
    port = await freePort();
    @WebSocketGateway(port, { namespace: 'ported' })
    class PortedGateway {
      @SubscribeMessage('where')
      where() {
        return 'own port';
      }
    }
    running = await startApp('express', { providers: [PortedGateway] });
  });
  after(() => running.close());

  it('listens on that port, apart from the application server', async () => {
    const client = await connectClient(`http://127.0.0.1:${port}/ported`);
    try {
      assert.equal(await client.emitWithAck('where'), 'own port');
    } finally {
      client.close();
    }
  });
});

class GlobalWsFilter {
  catch(exception: Error, host: import('@nestjs/common').ArgumentsHost) {
    if (host.getType() !== 'ws') return;
    host.switchToWs().getClient<{ emit(event: string, data: unknown): void }>().emit('global-caught', exception.message);
  }
}

describe('@sockline/nestjs: global exception filters (globalFilters)', () => {
  let running: RunningApp;
  before(async () => {
    running = await startApp('express', { providers: [FailingGateway] }, { globalFilters: true }, app => {
      app.useGlobalFilters(new GlobalWsFilter());
    });
  });
  after(() => running.close());

  it('hands gateway errors to the application-wide filters', async () => {
    const client = await connectClient(running.url);
    try {
      const caught = new Promise(resolve => client.once('global-caught', resolve));
      client.emit('fail');
      assert.equal(await caught, 'boom');
    } finally {
      client.close();
    }
  });
});

describe('@sockline/nestjs: adapter created with the HTTP server only', () => {
  it('attaches to that server with the core, like IoAdapter(httpServer)', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [GatewayA] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useWebSocketAdapter(new SocklineAdapter(app.getHttpServer()));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const client = await connectClient(`http://127.0.0.1:${port}/a`);
    try {
      assert.equal(await client.emitWithAck('who'), 'a');
    } finally {
      client.close();
      await app.close();
    }
  });
});
