// With `connectionGuards`, the gateway's class guards run at connection and again when connection
// state recovery restores a session (which skips namespace middleware), unless `guardsOnRecovery`
// is false.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer, WsException } from '@nestjs/websockets';
import type { Namespace, Socket } from '@sockline/core';
import { connectError, connected, nextEvent, openClient, type ClientSocket } from '@sockline/e2e/support';
import { startApp, type Platform, type RunningApp } from './app.js';

const guardCalls: boolean[] = [];

@Injectable()
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<Socket>();
    guardCalls.push(socket.recovered);
    if (socket.handshake.auth.token !== 'secret') throw new WsException('invalid token');
    return true;
  }
}

@WebSocketGateway({ namespace: 'guarded' })
@UseGuards(TokenGuard)
class GuardedGateway {
  @WebSocketServer()
  nsp!: Namespace;
}

const SERVER = { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } };

for (const platform of ['express', 'fastify'] as Platform[]) {
  for (const guardsOnRecovery of [undefined, false]) {
    const label = guardsOnRecovery === false ? 'guardsOnRecovery: false' : 'default';
    describe(`@sockline/nestjs connectionGuards and connection state recovery (${platform}, ${label})`, () => {
      let running: RunningApp;
      let nsp: Namespace;
      const clients: ClientSocket[] = [];
      before(async () => {
        running = await startApp(
          platform,
          { providers: [TokenGuard, GuardedGateway] },
          { server: SERVER, connectionGuards: true, guardsOnRecovery },
        );
        nsp = running.app.get(GuardedGateway).nsp;
      });
      after(async () => {
        for (const client of clients) client.close();
        await running.close();
      });

      /** Connects with a valid token, holds an offset, then reconnects with `authOnReconnect` after losing its transport. */
      async function connectThenDrop(authOnReconnect: Record<string, unknown>) {
        const client = openClient(`${running.url}/guarded`, {
          transports: ['websocket'],
          auth: { token: 'secret' },
          reconnection: true,
          reconnectionDelay: 10,
          reconnectionDelayMax: 10,
        });
        clients.push(client);
        await connected(client);
        const id = client.id!;
        const news = nextEvent(client, 'news');
        nsp.emit('news', 1);
        await news;
        guardCalls.length = 0;
        client.auth = authOnReconnect;
        client.io.engine.close();
        return { client, id };
      }

      if (guardsOnRecovery === false) {
        it('restores a client whose token became invalid without asking the guards', async () => {
          const { client, id } = await connectThenDrop({ token: 'revoked' });
          await connected(client);
          assert.equal(client.recovered, true);
          assert.equal(client.id, id);
          assert.deepEqual(guardCalls, []);
        });
      } else {
        it('refuses to restore a client whose token became invalid: connect_error', async () => {
          const { client, id } = await connectThenDrop({ token: 'revoked' });
          const error = await connectError(client);
          assert.equal(error.message, 'invalid token');
          assert.deepEqual(guardCalls, [true]);
          assert.equal(nsp.sockets.has(id), false);
        });

        it('restores a client whose token is still valid', async () => {
          const { client, id } = await connectThenDrop({ token: 'secret' });
          await connected(client);
          assert.equal(client.recovered, true);
          assert.equal(client.id, id);
          assert.deepEqual(guardCalls, [true]);
          assert.equal(nsp.sockets.get(id)?.recovered, true);
        });
      }
    });
  }
}
