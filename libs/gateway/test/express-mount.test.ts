import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sockline, socklineReady } from '@sockline/express';
import { ChatGateway, ChatService, RootGateway } from './fixtures.js';
import { gatewayScenario } from './scenario.js';

gatewayScenario('@sockline/gateway through the Express mount', async () => {
  const app = express();
  const service = new ChatService();
  const chat = new ChatGateway(service);
  const httpServer = createServer(app);
  // A built instance (with its dependency) and a class built by `new`.
  const io = sockline(app, { server: httpServer, gateways: [chat, RootGateway] });
  await socklineReady(io);
  await new Promise<void>(resolve => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    chat,
    service,
    close: async () => {
      await io.close();
      httpServer.closeAllConnections();
      await new Promise<void>(resolve => httpServer.close(() => resolve()));
    },
  };
});
