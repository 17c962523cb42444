import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import { connectClient, refusedConnection, collectValues, nextEvent, type ClientSocket } from '@sockline/e2e/support';
import { AppModule, ChatGateway, ChatService, EventsGateway } from './fixtures.js';
import { startApp, type Platform, type RunningApp } from './app.js';

const ALL_EXTRAS = { connectionGuards: true, ackErrors: true, awaitConnectionHook: true, mergeServerOptions: true };

interface Context {
  running: RunningApp;
  open(auth?: Record<string, unknown>, path?: string): Promise<ClientSocket>;
  service: ChatService;
  chat: ChatGateway;
}

function withApp(platform: Platform, extras: boolean, body: (ctx: Context) => void, beforeListen?: (app: INestApplication) => void): void {
  const clients: ClientSocket[] = [];
  const ctx = {} as Context;
  before(async () => {
    ctx.running = await startApp(platform, { imports: [AppModule] }, extras ? ALL_EXTRAS : {}, beforeListen);
    ctx.service = ctx.running.app.get(ChatService);
    ctx.chat = ctx.running.app.get(ChatGateway);
    ctx.open = async (auth = { token: 'secret', name: 'ada' }, path = '/chat') => {
      const socket = await connectClient(`${ctx.running.url}${path}`, { auth });
      clients.push(socket);
      return socket;
    };
  });
  after(async () => {
    // Clients are still connected: closing the app must not wait for them.
    const disconnected = clients.filter(c => c.connected).map(c => nextEvent(c, 'disconnect'));
    await ctx.running.close();
    await Promise.all(disconnected);
    for (const socket of clients) socket.close();
  });
  body(ctx);
}

/** What a stock `@WebSocketGateway` gets on our adapter, exactly as with Nest's IoAdapter. */
function stockBehaviour(ctx: Context): void {
  it('runs afterInit and fills @WebSocketServer with the Server (root) and the Namespace (/chat)', () => {
    assert.equal(ctx.running.app.get(EventsGateway).initialised, true);
    assert.equal(ctx.chat.initialisedWith, ctx.chat.nsp);
    assert.equal(ctx.chat.nsp.name, '/chat');
  });

  it('acks plain values and resolved promises', async () => {
    const root = await ctx.open({}, '');
    assert.deepEqual(await root.emitWithAck('ping', 'x'), { pong: 'x' });
    assert.equal(await root.emitWithAck('async', 41), 42);
  });

  it('emits WsResponse results as events', async () => {
    const root = await ctx.open({}, '');
    const pong = nextEvent(root, 'pong');
    root.emit('ws-response', { a: 1 });
    assert.deepEqual(await pong, { a: 1 });
  });

  it('delivers Observable results: every WsResponse, and the first value as the ack', async () => {
    const root = await ctx.open({}, '');
    const counted = collectValues<number>(root, 'counted', 3);
    root.emit('count', 3);
    assert.deepEqual(await counted, [1, 2, 3]);
    assert.equal(await root.emitWithAck('observable-ack'), 'first');
  });

  it('runs interceptors around handlers', async () => {
    const root = await ctx.open({}, '');
    assert.deepEqual(await root.emitWithAck('intercepted', 5), { wrapped: 5 });
  });

  it('runs exception filters declared with @UseFilters', async () => {
    const root = await ctx.open({}, '');
    const caught = nextEvent(root, 'custom-error');
    root.emit('custom');
    assert.deepEqual(await caught, { caught: 'custom failure' });
  });

  it('injects services and validates DTOs with ValidationPipe', async () => {
    const socket = await ctx.open();
    const response = await socket.emitWithAck('message', { text: 'hi', priority: 1 });
    assert.deepEqual(response, { accepted: 'hi', isDto: true, from: socket.id });
    assert.ok(ctx.service.messages.includes('hi'));
  });

  it('calls handleConnection and handleDisconnect with the reason', async () => {
    const socket = await ctx.open();
    while (!ctx.service.hooks.includes('connected')) await new Promise(resolve => setTimeout(resolve, 5));
    const count = ctx.chat.disconnects.length;
    socket.close();
    while (ctx.chat.disconnects.length === count) await new Promise(resolve => setTimeout(resolve, 5));
    assert.equal(ctx.chat.disconnects.at(-1), 'client namespace disconnect');
  });
}

export function nestScenario(platform: Platform): void {
  describe(`@sockline/nestjs on platform-${platform}, stock behaviour`, () => {
    withApp(platform, false, ctx => {
      stockBehaviour(ctx);

      it('runs class guards per event, reporting a refusal as the exception event', async () => {
        const socket = await ctx.open({});
        const exception = nextEvent<{ status: string; message: string }>(socket, 'exception');
        socket.emit('whoami');
        const payload = await exception;
        assert.equal(payload.status, 'error');
        assert.equal(payload.message, 'Forbidden resource');
      });

      it('runs method guards per event', async () => {
        const socket = await ctx.open();
        const exception = nextEvent<{ message: string }>(socket, 'exception');
        socket.emit('admin');
        assert.equal((await exception).message, 'Forbidden resource');
        const admin = await ctx.open({ token: 'secret', role: 'admin' });
        assert.equal(await admin.emitWithAck('admin'), 'welcome, admin');
      });

      it('reports validation failures as the exception event, like Nest', async () => {
        const socket = await ctx.open();
        const exception = nextEvent<{ status: string; message: string }>(socket, 'exception');
        socket.emit('message', { text: '', priority: -1 });
        const payload = await exception;
        assert.equal(payload.status, 'error');
        // Nest's own (documented) shortcoming, fixed by `ackErrors`.
        assert.equal(payload.message, 'Internal server error');
      });
    });
  });

  describe(`@sockline/nestjs on platform-${platform}, with the opt-in extras`, () => {
    withApp(platform, true, ctx => {
      stockBehaviour(ctx);

      it('refuses a client without a token at connection (connectionGuards)', async () => {
        const error = await refusedConnection(`${ctx.running.url}/chat`, { auth: {} });
        assert.equal(error.message, 'Forbidden resource');
      });

      it("refuses a wrong token with the guard's WsException message and data", async () => {
        const error = await refusedConnection(`${ctx.running.url}/chat`, { auth: { token: 'nope' } });
        assert.equal(error.message, 'invalid token');
        assert.deepEqual(error.data, { message: 'invalid token', token: 'nope' });
      });

      it('awaits handleConnection before dispatching events (awaitConnectionHook)', async () => {
        const socket = await ctx.open({ token: 'secret', name: 'grace' });
        assert.equal(await socket.emitWithAck('whoami'), 'hello grace');
      });

      it('disconnects a client whose handleConnection throws, with the reason', async () => {
        const socket = await ctx.open({ token: 'secret', refuse: true });
        const [exception, reason] = await Promise.all([
          nextEvent<{ status: string; message: string; cause: unknown }>(socket, 'exception'),
          nextEvent<string>(socket, 'disconnect'),
        ]);
        assert.deepEqual(exception, { status: 'error', message: 'not today', cause: { pattern: 'connection' } });
        assert.equal(reason, 'io server disconnect');
      });

      it('acks validation failures with the class-validator messages (ackErrors)', async () => {
        const socket = await ctx.open();
        const response = await socket.emitWithAck('message', { text: '', priority: -1 });
        assert.equal(response.error.message, 'Bad Request');
        assert.equal(response.error.data.statusCode, 400);
        assert.ok(response.error.data.message.some((m: string) => m.includes('text')));
        assert.ok(response.error.data.message.some((m: string) => m.includes('priority')));
      });

      it('reports validation failures without an ack as the exception event, with the details', async () => {
        const socket = await ctx.open();
        const exception = nextEvent<{ status: string; message: string; data: { message: string[] }; cause: unknown }>(socket, 'exception');
        socket.emit('message', { text: 3, priority: 0 });
        const payload = await exception;
        assert.equal(payload.status, 'error');
        assert.equal(payload.message, 'Bad Request');
        assert.ok(payload.data.message.length > 0);
        assert.deepEqual(payload.cause, { pattern: 'message', data: { text: 3, priority: 0 } });
      });

      it('acks WsException, guard refusals and unexpected errors in the documented shape', async () => {
        const socket = await ctx.open();
        assert.deepEqual(await socket.emitWithAck('fail', 'ws'), {
          error: { message: 'nope', data: { message: 'nope', code: 42 } },
        });
        assert.deepEqual(await socket.emitWithAck('fail', 'crash'), { error: { message: 'Internal server error' } });
        assert.deepEqual(await socket.emitWithAck('admin'), { error: { message: 'Forbidden resource' } });
      });
    });
  });
}
