// Session routing through the Nest adapter (issue #18): two Nest applications (platform-express and
// platform-fastify), each with its own Sockline server joined by an in-process router passed as the
// `sessionRouter` server option, behind a round-robin proxy without affinity. A gateway's handlers
// answer acks both ways whichever app received the client's requests.
import { afterEach, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from '@sockline/core';
import { exchangeBetweenTwoApps } from '@sockline/e2e/support';
import { startApp, type Platform, type RunningApp } from './app.js';

@WebSocketGateway()
class RoutedEchoGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() value: unknown, @ConnectedSocket() socket: Socket): unknown {
    return { echoed: value, transport: socket.conn.transport.name };
  }

  @SubscribeMessage('ask')
  async ask(@MessageBody() value: number, @ConnectedSocket() socket: Socket): Promise<unknown> {
    return socket.timeout(10_000).emitWithAck('question', value);
  }
}

@Module({ providers: [RoutedEchoGateway] })
class RoutedEchoModule {}

describe('@sockline/nestjs with a session router', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  for (const platform of ['express', 'fastify'] as Platform[]) {
    it(`serves sessions across two ${platform} apps`, async () => {
      await exchangeBetweenTwoApps(async router => {
        const running = await startApp(platform, { imports: [RoutedEchoModule] }, { server: { sessionRouter: router } });
        apps.push(running);
        return Number(new URL(running.url).port);
      });
    });
  }
});
