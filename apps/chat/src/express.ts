import { once } from "node:events";
import type { AddressInfo } from "node:net";
import express from "express";
import { sockline, socklineReady } from "@sockline/express";
import type { BootstrapOptions, ListeningApp } from "./bootstrap-types.js";
import { ChatGateway, chatGatewayFactory } from "./chat-gateway.js";
import { chatMetricsOptions } from "./metrics.js";
import { PUBLIC_DIR } from "./public-files.js";

/** The same gateway on Express: mounted by `@sockline/express`, the page served by `express.static`. */
export async function startExpress({ chat, serverOptions, host, port }: BootstrapOptions): Promise<ListeningApp> {
  const app = express();
  app.disable("x-powered-by");
  const io = sockline(app, {
    ...serverOptions,
    gateways: [ChatGateway],
    gatewayFactory: chatGatewayFactory(chat),
    metrics: chatMetricsOptions(), // GET /metrics: Prometheus text
  });
  app.use(express.static(PUBLIC_DIR, { etag: true, maxAge: 0 }));

  await socklineReady(io);
  const server = app.listen(port, host);
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      // Sockets first (websockets and pending long-polls would hold server.close() open).
      io.disconnectSockets(true);
      await io.close();
      server.closeIdleConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
