// Class guards are authorization: a session restored by connection state recovery (which skips
// namespace middleware) is asked again, unless the gateway opts out with `guardsOnRecovery: false`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Server, type Namespace } from '@sockline/core';
import { socketioPlugin } from '@sockline/fastify';
import { SocklineAdapter, SocklineModule } from '@sockline/nestjs';
import { Gateway, GatewayError, GatewayNamespace, On, UseGuards, mountGateways, type GuardContext } from '@sockline/gateway';
import { baseUrl, connectError, connected, listen, nextEvent, openClient, type ClientSocket } from '@sockline/e2e/support';

const RECOVERY = { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } };

/** Every time a class guard was asked: was the socket a recovered one? */
const guardCalls: { namespace: string; recovered: boolean | undefined }[] = [];

const tokenGuard = ({ socket }: GuardContext) => {
  guardCalls.push({ namespace: socket.nsp.name, recovered: socket.recovered });
  if (socket.handshake.auth.token !== 'secret') throw new GatewayError('invalid token');
  return true;
};

@Gateway('/guarded')
@UseGuards(tokenGuard)
class GuardedGateway {
  @GatewayNamespace()
  nsp!: Namespace;

  @On('whoami')
  whoami(_payload: unknown, socket: { id: string; recovered?: boolean }) {
    return { id: socket.id, recovered: socket.recovered };
  }
}

@Gateway({ namespace: '/lenient', guardsOnRecovery: false })
@UseGuards(tokenGuard)
class LenientGateway {
  @On('whoami')
  whoami(_payload: unknown, socket: { id: string; recovered?: boolean }) {
    return { id: socket.id, recovered: socket.recovered };
  }
}

interface Mounted {
  url: string;
  io: Server;
  close(): Promise<void>;
}

const MOUNTS: Record<string, () => Promise<Mounted>> = {
  'a plain Server': async () => {
    const httpServer = createServer();
    const io = new Server(httpServer, RECOVERY);
    await mountGateways(io, [GuardedGateway, LenientGateway]);
    return { url: await listen(httpServer), io, close: () => io.close() };
  },
  'the Fastify plugin': async () => {
    const app = Fastify();
    await app.register(socketioPlugin, { ...RECOVERY, gateways: [GuardedGateway, LenientGateway] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: baseUrl(app.server), io: app.io as unknown as Server, close: () => app.close() };
  },
  ...Object.fromEntries(
    (['express', 'fastify'] as const).map(platform => [`NestJS (SocklineModule, platform-${platform})`, () => startNest(platform)]),
  ),
};

async function startNest(platform: 'express' | 'fastify'): Promise<Mounted> {
  const moduleRef = await Test.createTestingModule({
    imports: [SocklineModule.forRoot({ server: RECOVERY })],
    providers: [GuardedGateway, LenientGateway],
  }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({ logger: false })
      : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  app.useWebSocketAdapter(new SocklineAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, io: app.get(GuardedGateway).nsp.server, close: () => app.close() };
}

for (const [mountName, mount] of Object.entries(MOUNTS)) {
  describe(`@sockline/gateway on ${mountName}: class guards and connection state recovery`, () => {
    let server: Mounted;
    const clients: ClientSocket[] = [];
    before(async () => {
      server = await mount();
    });
    after(async () => {
      for (const client of clients) client.close();
      await server.close();
    });

    /**
     * Connects with a valid token, receives one packet (so the client holds an offset), then
     * changes its auth to `authOnReconnect` and loses its transport: the client reconnects at once
     * and asks for its session back.
     */
    async function connectThenDrop(namespace: string, authOnReconnect: Record<string, unknown>) {
      const client = openClient(`${server.url}${namespace}`, {
        transports: ['websocket'],
        auth: { token: 'secret' },
        reconnection: true,
        reconnectionDelay: 10,
        reconnectionDelayMax: 10,
      });
      clients.push(client);
      await connected(client);
      const first = (await client.emitWithAck('whoami')) as { id: string; recovered: boolean };
      assert.equal(first.recovered, false);
      const news = nextEvent(client, 'news');
      server.io.of(namespace).emit('news', 1);
      await news;
      guardCalls.length = 0;
      client.auth = authOnReconnect;
      client.io.engine.close();
      return { client, first };
    }

    it('a client whose token became invalid while away is not restored: connect_error', async () => {
      const { client } = await connectThenDrop('/guarded', { token: 'revoked' });
      const error = await connectError(client);
      assert.equal(error.message, 'invalid token');
      assert.equal(client.connected, false);
      assert.deepEqual(guardCalls, [{ namespace: '/guarded', recovered: true }]);
      assert.equal(server.io.of('/guarded').sockets.size, 0);
    });

    it('a client whose token is still valid is restored, after the guards said yes', async () => {
      const { client, first } = await connectThenDrop('/guarded', { token: 'secret' });
      await connected(client);
      assert.equal(client.recovered, true);
      assert.deepEqual(await client.emitWithAck('whoami'), { id: first.id, recovered: true });
      assert.deepEqual(guardCalls, [{ namespace: '/guarded', recovered: true }]);
    });

    it('with guardsOnRecovery: false the session is restored without asking the guards', async () => {
      const { client, first } = await connectThenDrop('/lenient', { token: 'revoked' });
      await connected(client);
      assert.equal(client.recovered, true);
      assert.deepEqual(await client.emitWithAck('whoami'), { id: first.id, recovered: true });
      assert.deepEqual(guardCalls, []);
    });

    it('a new connection with an invalid token is refused as before', async () => {
      const client = openClient(`${server.url}/guarded`, { transports: ['websocket'], auth: { token: 'revoked' } });
      clients.push(client);
      assert.equal((await connectError(client)).message, 'invalid token');
    });
  });
}
