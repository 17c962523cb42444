// `@Gateway` classes of @sockline/gateway in a Nest application: Nest providers built by Nest's
// injector, with guards that are Nest providers, Nest's exceptions answered in the gateway's shape,
// Nest's lifecycle, next to stock `@WebSocketGateway` classes on the same server. (The gateway
// package's own behaviour suite runs on Nest in libs/gateway/test/nestjs-module.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { All, Controller } from '@nestjs/common';
import { SocklineModule } from '@sockline/nestjs';
import { connectClient, nextEvent, openClient, refusedConnection, waitUntil, type ClientSocket } from '@sockline/e2e/support';
import { startApp, type Platform, type RunningApp } from './app.js';
import { AppModule } from './fixtures.js';
import { Greeter, Journal, NestChatGateway, RootGatewayClass, StockGateway, TokenGuard, TokenStore } from './gateway-class-fixtures.js';

const PROVIDERS = [Journal, TokenStore, TokenGuard, Greeter, NestChatGateway, StockGateway, RootGatewayClass];

for (const platform of ['express', 'fastify'] as Platform[]) {
  describe(`@Gateway classes as Nest providers (platform-${platform})`, () => {
    let running: RunningApp;
    const clients: ClientSocket[] = [];
    const open = async (auth: Record<string, unknown> = { token: 'secret', name: 'ada' }, namespace = '/nest') => {
      const socket = await connectClient(`${running.url}${namespace}`, { auth });
      clients.push(socket);
      return socket;
    };

    before(async () => {
      running = await startApp(platform, { imports: [SocklineModule], providers: PROVIDERS });
    });
    after(async () => {
      for (const client of clients) client.close();
      await running.close();
    });

    it('builds the gateway with its dependencies (a transient one included) and serves its events', async () => {
      const socket = await open({ token: 'secret', name: 'grace' });
      assert.equal(await socket.emitWithAck('whoami'), 'hello grace');
      assert.equal(running.app.get(NestChatGateway).nsp.name, '/nest');
    });

    it('runs a guard that is a Nest provider, the same instance the application gets, with its dependency', async () => {
      const guard = running.app.get(TokenGuard);
      const store = running.app.get(TokenStore);
      store.valid.add('added-later');
      // The guard that refuses unknown tokens accepts one added to *its* store: the provider's instance.
      const socket = await open({ token: 'added-later' });
      assert.equal(socket.connected, true);
      assert.ok(guard instanceof TokenGuard);
    });

    it("refuses at connection with a guard's WsException: its message and data", async () => {
      const error = await refusedConnection(`${running.url}/nest`, { auth: { token: 'wrong' } });
      assert.equal(error.message, 'invalid token');
      assert.deepEqual(error.data, { message: 'invalid token', token: 'wrong' });
      const none = await refusedConnection(`${running.url}/nest`, { auth: {} });
      assert.equal(none.message, 'Forbidden');
    });

    it('builds a guard class that is not a provider in the gateway module, with its dependency', async () => {
      const user = await open();
      assert.deepEqual(await user.emitWithAck('admin'), { error: { message: 'Forbidden' } });
      const admin = await open({ token: 'secret', role: 'admin' });
      assert.equal(await admin.emitWithAck('admin'), 'welcome, admin');
    });

    it("answers Nest's WsException and HttpException like the gateway's own errors, hiding others", async () => {
      const socket = await open();
      assert.deepEqual(await socket.emitWithAck('fail', 'ws-text'), { error: { message: 'plain words' } });
      assert.deepEqual(await socket.emitWithAck('fail', 'ws-object'), { error: { message: 'nope', data: { message: 'nope', code: 42 } } });
      assert.deepEqual(await socket.emitWithAck('fail', 'http'), {
        error: { message: 'no such room', data: { statusCode: 404, message: 'no such room', error: 'Not Found' } },
      });
      assert.deepEqual(await socket.emitWithAck('fail', 'crash'), { error: { message: 'Internal server error' } });
      const exception = nextEvent(socket, 'exception');
      socket.emit('fail', 'ws-text');
      assert.deepEqual(await exception, { error: { message: 'plain words' }, event: 'fail' });
    });

    it('disconnects a client whose handleConnection throws a WsException, with its message', async () => {
      // Listening before connecting: the hook throws at once, so the exception follows the connection closely.
      const socket = openClient(`${running.url}/nest`, { transports: ['websocket'], auth: { token: 'secret', refuse: true } });
      clients.push(socket);
      const [exception, reason] = await Promise.all([nextEvent(socket, 'exception'), nextEvent<string>(socket, 'disconnect')]);
      assert.deepEqual(exception, { error: { message: 'not today' }, event: 'connection' });
      assert.equal(reason, 'io server disconnect');
    });

    it('runs afterInit before the Nest lifecycle hooks, as Nest does for its own gateways', () => {
      const journal = running.app.get(Journal).entries;
      assert.deepEqual(journal.slice(0, 3), ['afterInit', 'onModuleInit', 'onApplicationBootstrap']);
    });

    it('serves a stock @WebSocketGateway and @Gateway classes side by side, on one server and one namespace', async () => {
      const root = await open({}, '');
      assert.deepEqual(await root.emitWithAck('stock', 1), { stock: 1 });
      assert.deepEqual(await root.emitWithAck('gateway', 2), { gateway: 2 });
      const server = running.app.get(StockGateway).server;
      assert.equal(running.app.get(RootGatewayClass).nsp.server, server);
      assert.equal(running.app.get(NestChatGateway).nsp.server, server);
    });
  });
}

/** A catch-all route (an SPA fallback, say): it must not shadow the engine path. */
function catchAllController(route: string) {
  @Controller()
  class CatchAllController {
    @All(route)
    everything() {
      return 'the application';
    }
  }
  return CatchAllController;
}
// Each platform's router spells "everything" its own way.
const CATCH_ALL: Record<Platform, string> = { express: '*path', fastify: '*' };

describe('@Gateway classes next to stock gateways that use the opt-in extras', () => {
  let running: RunningApp;
  const clients: ClientSocket[] = [];
  before(async () => {
    running = await startApp(
      'fastify',
      { imports: [SocklineModule, AppModule], providers: [Journal, TokenStore, TokenGuard, Greeter, NestChatGateway, RootGatewayClass] },
      { connectionGuards: true, ackErrors: true, awaitConnectionHook: true },
    );
  });
  after(async () => {
    for (const client of clients) client.close();
    await running.close();
  });

  it("each keeps its own semantics: Nest's guard refusal and error shape, the gateway's", async () => {
    const nestRefusal = await refusedConnection(`${running.url}/chat`, { auth: {} });
    assert.equal(nestRefusal.message, 'Forbidden resource');
    const gatewayRefusal = await refusedConnection(`${running.url}/nest`, { auth: {} });
    assert.equal(gatewayRefusal.message, 'Forbidden');
    const stock = await connectClient(`${running.url}/chat`, { auth: { token: 'secret', name: 'ada' } });
    const gateway = await connectClient(`${running.url}/nest`, { auth: { token: 'secret', name: 'ada' } });
    const root = await connectClient(running.url);
    clients.push(stock, gateway, root);
    assert.deepEqual(await stock.emitWithAck('fail', 'ws'), { error: { message: 'nope', data: { message: 'nope', code: 42 } } });
    assert.deepEqual(await gateway.emitWithAck('fail', 'ws-object'), { error: { message: 'nope', data: { message: 'nope', code: 42 } } });
    assert.equal(await gateway.emitWithAck('whoami'), 'hello ada');
    // The root namespace is shared by the stock EventsGateway and RootGatewayClass.
    assert.deepEqual(await root.emitWithAck('ping', 1), { pong: 1 });
    assert.deepEqual(await root.emitWithAck('gateway', 2), { gateway: 2 });
  });
});

describe('@Gateway classes are mounted before the routes, as Nest mounts its own gateways', () => {
  for (const platform of ['express', 'fastify'] as Platform[]) {
    it(`a catch-all controller route does not shadow the engine path (${platform})`, async () => {
      const running = await startApp(platform, {
        imports: [SocklineModule],
        controllers: [catchAllController(CATCH_ALL[platform])],
        providers: [RootGatewayClass],
      });
      const client = await connectClient(running.url, { transports: ['polling'] });
      try {
        assert.deepEqual(await client.emitWithAck('gateway', 1), { gateway: 1 });
        assert.equal(await (await fetch(`${running.url}/anything`)).text(), 'the application');
      } finally {
        client.close();
        await running.close();
      }
    });
  }
});

describe('@Gateway classes and app.close()', () => {
  for (const platform of ['express', 'fastify'] as Platform[]) {
    it(`calls onModuleDestroy with the sockets still there, then handleDisconnect; clients may reconnect (${platform})`, async () => {
      const running = await startApp(platform, { imports: [SocklineModule], providers: PROVIDERS });
      const client = await connectClient(`${running.url}/nest`, { auth: { token: 'secret' } });
      try {
        const journal = running.app.get(Journal).entries;
        const reason = nextEvent<string>(client, 'disconnect');
        await running.close();
        assert.equal(await reason, 'transport close');
        await waitUntil(() => journal.includes('handleDisconnect: server shutting down'), 'handleDisconnect');
        const closing = journal.filter(entry => !['afterInit', 'onModuleInit', 'onApplicationBootstrap'].includes(entry));
        assert.deepEqual(closing, ['onModuleDestroy (sockets: 1)', 'handleDisconnect: server shutting down', 'onApplicationShutdown']);
      } finally {
        client.close();
      }
    });
  }
});

describe('@Gateway classes with SocklineModule.forRootAsync', () => {
  let running: RunningApp;
  const clients: ClientSocket[] = [];
  before(async () => {
    running = await startApp('fastify', {
      imports: [SocklineModule.forRootAsync({ useFactory: async () => ({ server: { path: '/realtime' } }) })],
      providers: [StockGateway, RootGatewayClass],
    });
  });
  after(async () => {
    for (const client of clients) client.close();
    await running.close();
  });

  it('mounts them on the server configured from DI (here its path), shared with the stock gateways', async () => {
    const client = await connectClient(running.url, { path: '/realtime' });
    clients.push(client);
    assert.deepEqual(await client.emitWithAck('gateway', 'x'), { gateway: 'x' });
    assert.deepEqual(await client.emitWithAck('stock', 'y'), { stock: 'y' });
    assert.equal((await fetch(`${running.url}/socket.io/?EIO=4&transport=polling`)).status, 404);
  });
});
