import express from 'express';
import { createServer } from 'node:http';
import { sockline, socklineReady } from '@sockline/express';
import { listen } from '@sockline/e2e/support';
import { ChatGateway, ChatService, RootGateway } from './fixtures.js';
import { gatewayScenario } from './scenario.js';
import { AckGateway } from './ack-fixtures.js';

gatewayScenario('@sockline/gateway through the Express mount', async () => {
  const app = express();
  const service = new ChatService();
  const chat = new ChatGateway(service);
  const httpServer = createServer(app);
  // A built instance (with its dependency) and a class built by `new`.
  const acks = new AckGateway();
  const io = sockline(app, { server: httpServer, gateways: [chat, RootGateway, acks] });
  await socklineReady(io);
  return {
    url: await listen(httpServer),
    chat,
    acks,
    service,
    close: async () => {
      await io.close();
      httpServer.closeAllConnections();
      await new Promise<void>(resolve => httpServer.close(() => resolve()));
    },
  };
});
