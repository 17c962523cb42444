import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@sockline/core';
import { mountGateways } from '@sockline/gateway';
import { ChatGateway, ChatService, RootGateway } from './fixtures.js';
import { gatewayScenario } from './scenario.js';

gatewayScenario('@sockline/gateway on a plain Server', async () => {
  const httpServer = createServer();
  const io = new Server(httpServer);
  const service = new ChatService();
  const chat = new ChatGateway(service);
  // One instance built by hand, one class built by the factory.
  await mountGateways(io, [chat, RootGateway], { factory: cls => new cls() });
  await new Promise<void>(resolve => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    chat,
    service,
    close: () =>
      new Promise<void>(resolve => {
        io.close(() => resolve());
      }),
  };
});
