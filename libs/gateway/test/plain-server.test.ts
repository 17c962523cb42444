import { createServer } from 'node:http';
import { Server } from '@sockline/core';
import { mountGateways } from '@sockline/gateway';
import { listen } from '@sockline/e2e/support';
import { ChatGateway, ChatService, RootGateway } from './fixtures.js';
import { gatewayScenario } from './scenario.js';

gatewayScenario('@sockline/gateway on a plain Server', async () => {
  const httpServer = createServer();
  const io = new Server(httpServer);
  const service = new ChatService();
  const chat = new ChatGateway(service);
  // One instance built by hand, one class built by the factory.
  await mountGateways(io, [chat, RootGateway], { factory: cls => new cls() });
  return {
    url: await listen(httpServer),
    chat,
    service,
    close: () =>
      new Promise<void>(resolve => {
        io.close(() => resolve());
      }),
  };
});
