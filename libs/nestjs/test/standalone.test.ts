import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Ack, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { SocklineAdapter, type SocklineAdapterOptions } from '@sockline/nestjs';
import { fromEvent, firstValueFrom } from 'rxjs';
import { Server as ReferenceServer, type Socket as ReferenceSocket } from 'socket.io';
import { connectClient, type ClientSocket } from '@sockline/e2e/support';

/** Answers with what the handler received, so the client sees exactly what Nest passed in. */
@WebSocketGateway()
class EchoGateway {
  @SubscribeMessage('body')
  body(@MessageBody() data: unknown) {
    return { data: data === undefined ? 'undefined' : data };
  }

  @SubscribeMessage('body-and-ack')
  bodyAndAck(@MessageBody() data: unknown, @Ack() ack: (value: unknown) => void) {
    ack({ data: data === undefined ? 'undefined' : data, ackIsFunction: typeof ack === 'function' });
  }

  /** Without an ack from the client, the handler's result has nowhere to go: it reports by event. */
  @SubscribeMessage('body-by-event')
  bodyByEvent(@MessageBody() data: unknown) {
    return { event: 'seen', data: { data: data === undefined ? 'undefined' : data } };
  }
}

@Module({ providers: [EchoGateway] })
class EchoModule {}

type Platform = 'express' | 'fastify';

/**
 * A real `NestFactory.create()` application, with Nest's default `abortOnError` (true): every call
 * on `app` that throws ends the process. No `SocklineModule` is imported.
 */
async function startFactoryApp(platform: Platform, options?: SocklineAdapterOptions): Promise<{ app: INestApplication; url: string }> {
  const app =
    platform === 'express'
      ? await NestFactory.create(EchoModule, { logger: false })
      : await NestFactory.create(EchoModule, new FastifyAdapter(), { logger: false });
  app.useWebSocketAdapter(options ? new SocklineAdapter(app, options) : new SocklineAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

async function pingIntervalOf(url: string): Promise<number> {
  const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  const body = await response.text();
  return (JSON.parse(body.slice(1)) as { pingInterval: number }).pingInterval;
}

for (const platform of ['express', 'fastify'] as Platform[]) {
  describe(`@sockline/nestjs without SocklineModule, NestFactory on platform-${platform} (abortOnError)`, () => {
    it('new SocklineAdapter(app) starts and serves a gateway', async () => {
      const { app, url } = await startFactoryApp(platform);
      const client = await connectClient(url);
      try {
        assert.deepEqual(await client.emitWithAck('body', 'hi'), { data: 'hi' });
      } finally {
        client.close();
        await app.close();
      }
    });

    it('new SocklineAdapter(app, options) applies the options', async () => {
      const { app, url } = await startFactoryApp(platform, { server: { pingInterval: 4321 } });
      try {
        assert.equal(await pingIntervalOf(url), 4321);
      } finally {
        await app.close();
      }
    });
  });
}

/**
 * What `@MessageBody()` and `@Ack()` receive for each shape of `emit`, as Nest's reference
 * IoAdapter delivers them: it listens with rxjs `fromEvent`, which passes on the single argument
 * (so `undefined` when there is none) or the array of all of them, then takes a trailing function
 * off as the ack and unwraps a lone remaining value.
 */
describe('@sockline/nestjs: event arguments reach the handler as with the reference IoAdapter', () => {
  let app: INestApplication;
  let client: ClientSocket;
  before(async () => {
    const started = await startFactoryApp('express');
    app = started.app;
    client = await connectClient(started.url);
  });
  after(async () => {
    client.close();
    await app.close();
  });

  function seenByEvent(emit: () => void): Promise<unknown> {
    const seen = new Promise(resolve => client.once('seen', resolve));
    emit();
    return seen;
  }

  it("the reference's listener (rxjs fromEvent on a reference socket.io socket) sees undefined for no argument", async () => {
    const reference = new ReferenceServer();
    reference.listen(0);
    const port = (reference.httpServer.address() as AddressInfo).port;
    const connected = new Promise<ReferenceSocket>(resolve => reference.once('connection', resolve));
    const peer = await connectClient(`http://127.0.0.1:${port}`);
    try {
      const socket = await connected;
      const none = firstValueFrom(fromEvent(socket, 'none'));
      const several = firstValueFrom(fromEvent(socket, 'several'));
      peer.emit('none');
      peer.emit('several', 1, 2);
      assert.equal(await none, undefined);
      assert.deepEqual(await several, [1, 2]);
    } finally {
      peer.close();
      await reference.close();
    }
  });

  it('no argument: undefined', async () => {
    assert.deepEqual(await seenByEvent(() => client.emit('body-by-event')), { data: 'undefined' });
  });

  it('no argument and an ack: undefined, and the ack', async () => {
    assert.deepEqual(await client.emitWithAck('body-and-ack'), { data: 'undefined', ackIsFunction: true });
    assert.deepEqual(await client.emitWithAck('body'), { data: 'undefined' });
  });

  it('one argument: the value itself (an array stays one value)', async () => {
    assert.deepEqual(await seenByEvent(() => client.emit('body-by-event', 7)), { data: 7 });
    assert.deepEqual(await seenByEvent(() => client.emit('body-by-event', [1, 2])), { data: [1, 2] });
    assert.deepEqual(await seenByEvent(() => client.emit('body-by-event', [])), { data: [] });
    assert.deepEqual(await seenByEvent(() => client.emit('body-by-event', null)), { data: null });
  });

  it('one argument and an ack: the value itself, and the ack', async () => {
    assert.deepEqual(await client.emitWithAck('body-and-ack', { a: 1 }), { data: { a: 1 }, ackIsFunction: true });
    assert.deepEqual(await client.emitWithAck('body', [1, 2]), { data: [1, 2] });
  });

  it('several arguments: the array of them', async () => {
    assert.deepEqual(await seenByEvent(() => client.emit('body-by-event', 1, 'two', { three: 3 })), {
      data: [1, 'two', { three: 3 }],
    });
  });

  it('several arguments and an ack: the array of them without the ack, and the ack', async () => {
    assert.deepEqual(await client.emitWithAck('body-and-ack', 1, 2), { data: [1, 2], ackIsFunction: true });
    assert.deepEqual(await client.emitWithAck('body', 'x', null), { data: ['x', null] });
  });
});

/**
 * Nest's IoAdapter closes a gateway's server with `io.close()`, which clients of the reference
 * server take as "transport close" and reconnect from (an application restart, a deploy); a
 * DISCONNECT packet ("io server disconnect") would leave them disconnected for good.
 */
describe('@sockline/nestjs: app.close() lets clients reconnect, as with the reference IoAdapter', () => {
  for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']] as const) {
    it(`a ${transports.join('+')} client sees "transport close"`, async () => {
      const { app, url } = await startFactoryApp('express');
      const client = await connectClient(url, { transports: [...transports] });
      try {
        const reason = new Promise<string>(resolve => client.once('disconnect', resolve));
        await app.close();
        assert.equal(await reason, 'transport close');
      } finally {
        client.close();
      }
    });
  }
});
