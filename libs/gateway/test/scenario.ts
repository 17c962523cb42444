import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectClient, refusedConnection, collectValues, nextEvent, type ClientSocket } from '@sockline/e2e/support';
import { ChatService, ChatGateway } from './fixtures.js';
import type { AckGateway } from './ack-fixtures.js';
import { ackTable } from './ack-table.js';

export interface ScenarioServer {
  /** Base URL, e.g. `http://127.0.0.1:1234`. */
  url: string;
  chat: ChatGateway;
  acks: AckGateway;
  service: ChatService;
  close(): Promise<void>;
}

/**
 * The gateway scenario every mounting runs (plain server, Fastify plugin, Express mount):
 * the same gateways, the same client expectations.
 */
export function gatewayScenario(name: string, start: () => Promise<ScenarioServer>): void {
  describe(name, () => {
    let server: ScenarioServer;
    let client: ClientSocket;
    const clients: ClientSocket[] = [];
    const open = async (auth: Record<string, unknown> = { token: 'secret', name: 'ada' }) => {
      const socket = await connectClient(`${server.url}/chat`, { auth });
      clients.push(socket);
      return socket;
    };

    before(async () => {
      server = await start();
      client = await open();
    });
    after(async () => {
      for (const socket of clients) socket.close();
      await server.close();
    });

    it('runs afterInit with the namespace and fills @GatewayNamespace', () => {
      assert.ok(server.chat.initialisedWith);
      assert.equal(server.chat.initialisedWith, server.chat.nsp);
      assert.equal(server.chat.nsp.name, '/chat');
    });

    it('serves the root namespace gateway next to /chat', async () => {
      const root = await connectClient(server.url);
      clients.push(root);
      assert.deepEqual(await root.emitWithAck('ping', 7), { pong: 7 });
      assert.equal(await root.emitWithAck('nothing'), null);
    });

    it('refuses a connection without a token: class guard as namespace middleware', async () => {
      const error = await refusedConnection(`${server.url}/chat`, { auth: {} });
      assert.equal(error.message, 'Forbidden');
    });

    it("refuses a wrong token with the guard's own message and data", async () => {
      const error = await refusedConnection(`${server.url}/chat`, { auth: { token: 'wrong' } });
      assert.equal(error.message, 'invalid token');
      assert.deepEqual(error.data, { token: 'wrong' });
    });

    it('awaits handleConnection before dispatching events, and injects dependencies', async () => {
      const socket = await open({ token: 'secret', name: 'grace' });
      // Sent right after connecting, while handleConnection is still waiting.
      assert.equal(await socket.emitWithAck('whoami'), 'hello grace');
    });

    it('disconnects a client whose handleConnection throws, with the reason', async () => {
      const socket = await open({ token: 'secret', refuse: true });
      const [exception, reason] = await Promise.all([
        nextEvent<{ error: { message: string; data?: unknown }; event: string }>(socket, 'exception'),
        nextEvent<string>(socket, 'disconnect'),
      ]);
      assert.deepEqual(exception, { error: { message: 'not today', data: { reason: 'refuse flag' } }, event: 'connection' });
      assert.equal(reason, 'io server disconnect');
    });

    it('acks the handler result with a validated DTO instance', async () => {
      const response = await client.emitWithAck('message', { text: 'hi', priority: 1 });
      assert.deepEqual(response, { accepted: 'hi', isDto: true, from: client.id });
      assert.ok(server.service.log.includes('hi'));
    });

    it('acks a validation failure with the class-validator details; the handler never runs', async () => {
      const before = server.service.log.length;
      const response = await client.emitWithAck('message', { text: '', priority: -1 });
      assert.equal(response.error.message, 'Validation failed');
      const byProperty = Object.fromEntries(
        response.error.data.errors.map((e: { property: string; constraints: object }) => [e.property, e.constraints]),
      );
      assert.ok('isLength' in byProperty.text);
      assert.ok('min' in byProperty.priority);
      assert.equal(server.service.log.length, before);
    });

    it('refuses a non-object payload for a DTO', async () => {
      const response = await client.emitWithAck('message', 'just a string');
      assert.equal(response.error.message, 'Validation failed');
    });

    it('reports a validation failure as the exception event when no ack is requested', async () => {
      const exception = nextEvent<{ error: { message: string; data: { errors: unknown[] } }; event: string }>(client, 'exception');
      client.emit('message', { text: 42 });
      const payload = await exception;
      assert.equal(payload.event, 'message');
      assert.equal(payload.error.message, 'Validation failed');
      assert.ok(payload.error.data.errors.length >= 1);
    });

    it('applies whitelist and forbidNonWhitelisted', async () => {
      const refused = await client.emitWithAck('strict', { text: 'a', priority: 0, extra: true });
      assert.equal(refused.error.message, 'Validation failed');
      assert.equal(refused.error.data.errors[0].property, 'extra');
      const stripped = await client.emitWithAck('stripped', { text: 'a', priority: 0, extra: true });
      assert.deepEqual(stripped, { text: 'a', priority: 0 });
    });

    it('runs method guards per event', async () => {
      assert.deepEqual(await client.emitWithAck('admin'), { error: { message: 'Forbidden' } });
      const admin = await open({ token: 'secret', role: 'admin' });
      assert.equal(await admin.emitWithAck('admin'), 'welcome, admin');
    });

    it('acks resolved promises', async () => {
      assert.equal(await client.emitWithAck('slow', 21), 42);
    });

    it('emits an { event, data } result instead of acking it', async () => {
      const echoed = nextEvent(client, 'echoed');
      client.emit('echo-event', { x: 1 });
      assert.deepEqual(await echoed, { x: 1 });
    });

    it('delivers every value of an observable result, acking once', async () => {
      const ticks = collectValues<number>(client, 'tick', 2);
      const ack = await client.emitWithAck('stream');
      assert.equal(ack, 'done');
      assert.deepEqual(await ticks, [1, 2]);
    });

    it('turns handler errors into structured ack errors, hiding unexpected ones', async () => {
      assert.deepEqual(await client.emitWithAck('fail', 'gateway'), { error: { message: 'nope', data: { code: 42 } } });
      assert.deepEqual(await client.emitWithAck('fail', 'forbidden'), { error: { message: 'Forbidden' } });
      assert.deepEqual(await client.emitWithAck('fail', 'crash'), { error: { message: 'Internal server error' } });
    });

    it('lets a handler that takes @Ack answer by itself', async () => {
      assert.equal(await client.emitWithAck('manual', 'x'), 'manual:x');
    });

    it('unsubscribes a running observable result when the client disconnects', async () => {
      const socket = await open();
      const started = nextEvent(socket, 'started');
      socket.emit('forever');
      await started;
      const count = server.chat.unsubscribed;
      socket.close();
      while (server.chat.unsubscribed === count) await new Promise(resolve => setTimeout(resolve, 5));
      assert.equal(server.chat.unsubscribed, count + 1);
    });

    describe('acks: exactly one answer', () => {
      ackTable(() => ({
        acks: server.acks,
        open: async () => {
          const socket = await connectClient(`${server.url}/acks`);
          clients.push(socket);
          return socket;
        },
      }));
    });

    it('calls handleDisconnect with the reason', async () => {
      const socket = await open();
      const count = server.chat.disconnects.length;
      socket.close();
      while (server.chat.disconnects.length === count) await new Promise(resolve => setTimeout(resolve, 5));
      assert.equal(server.chat.disconnects.at(-1), 'client namespace disconnect');
    });
  });
}
