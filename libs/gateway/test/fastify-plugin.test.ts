import Fastify from 'fastify';
import { socketioPlugin } from '@sockline/fastify';
import { baseUrl } from '@sockline/e2e/support';
import { ChatGateway, ChatService, RootGateway } from './fixtures.js';
import { gatewayScenario } from './scenario.js';
import { AckGateway } from './ack-fixtures.js';

gatewayScenario('@sockline/gateway through the Fastify plugin', async () => {
  const app = Fastify();
  const service = new ChatService();
  let chat: ChatGateway | undefined;
  const acks = new AckGateway();
  await app.register(socketioPlugin, {
    gateways: [ChatGateway, RootGateway, acks],
    // The factory is where a DI container would build gateways with their dependencies.
    gatewayFactory: cls => {
      if (cls === ChatGateway) return (chat = new ChatGateway(service));
      return new (cls as new () => object)();
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: baseUrl(app.server), chat: chat!, acks, service, close: () => app.close() };
});
