import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import type { BootstrapOptions, ListeningApp } from "./bootstrap-types.js";
import { ChatGateway, chatGatewayFactory } from "./chat-gateway.js";
import { chatMetricsOptions } from "./metrics.js";
import { loadPublicFiles } from "./public-files.js";

/** The default bootstrap: the gateway mounted by `@sockline/fastify`, the page served by a small route. */
export async function startFastify({ chat, serverOptions, host, port }: BootstrapOptions): Promise<ListeningApp> {
  const app = Fastify({ logger: false });
  await app.register(socketioPlugin, {
    ...serverOptions,
    gateways: [ChatGateway],
    gatewayFactory: chatGatewayFactory(chat),
    metrics: chatMetricsOptions(), // GET /metrics: Prometheus text
  });

  const publicFile = await loadPublicFiles();
  app.get("/*", async (request, reply) => {
    const file = publicFile(request.url.split("?")[0]!);
    if (!file) return reply.code(404).type("text/plain").send("Not found");
    return reply.type(file.contentType).header("cache-control", "no-cache").send(file.body);
  });

  await app.listen({ host, port });
  return {
    port: (app.server.address() as AddressInfo).port,
    // The plugin's preClose hook disconnects the sockets and closes the engine before the HTTP server.
    close: () => app.close(),
  };
}
