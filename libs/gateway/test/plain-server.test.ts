import { createServer } from 'node:http';
import { Server } from '@sockline/core';
import { mountGateways } from '@sockline/gateway';
import { listen } from '@sockline/e2e/support';
import { ChatGateway, ChatService, RootGateway } from './fixtures.js';
import { gatewayScenario } from './scenario.js';
import { AckGateway } from './ack-fixtures.js';

gatewayScenario('@sockline/gateway on a plain Server', async () => {
  const httpServer = createServer();
  const io = new Server(httpServer);
  const service = new ChatService();
  const chat = new ChatGateway(service);
  // One instance built by hand, one class built by the factory.
  const acks = new AckGateway();
  await mountGateways(io, [chat, RootGateway, acks], { factory: cls => new cls() });
  return {
    url: await listen(httpServer),
    chat,
    acks,
    service,
    close: () =>
      new Promise<void>(resolve => {
        io.close(() => resolve());
      }),
  };
});
