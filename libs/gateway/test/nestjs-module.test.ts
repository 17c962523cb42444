// The gateway scenario (the same gateway classes, the same client expectations as on a plain
// server, Fastify and Express) in a NestJS application: the classes are Nest providers, built by
// Nest's injector and mounted by SocklineModule on the server of SocklineAdapter.
import type { AddressInfo } from 'node:net';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { SocklineAdapter, SocklineModule } from '@sockline/nestjs';
import { ChatGateway, ChatService, RootGateway } from './fixtures.js';
import { gatewayScenario } from './scenario.js';
import { AckGateway } from './ack-fixtures.js';

for (const platform of ['express', 'fastify'] as const) {
  gatewayScenario(`@sockline/gateway in NestJS through SocklineModule (platform-${platform})`, async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SocklineModule],
      // ChatGateway receives ChatService through its constructor; its guard class is built by Nest too.
      providers: [ChatService, ChatGateway, RootGateway, AckGateway],
    }).compile();
    const app =
      platform === 'express'
        ? moduleRef.createNestApplication({ logger: false })
        : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    app.useWebSocketAdapter(new SocklineAdapter(app));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      chat: app.get(ChatGateway),
      acks: app.get(AckGateway),
      service: app.get(ChatService),
      close: () => app.close(),
    };
  });
}
