import type { AddressInfo } from "node:net";
import { Controller, Get, Header, Module, type DynamicModule, type OnModuleDestroy } from "@nestjs/common";
import { Registry } from "prom-client";
import { registerMetrics, type RegisteredMetrics } from "@sockline/core/prometheus";
import { NestFactory } from "@nestjs/core";
import type { NestExpressApplication } from "@nestjs/platform-express";
import { SocklineAdapter, SocklineModule } from "@sockline/nestjs";
import type { ServerOptions } from "@sockline/core";
import type { BootstrapOptions, ListeningApp } from "./bootstrap-types.js";
import { ChatGateway } from "./chat-gateway.js";
import { ChatService } from "./chat-service.js";
import { PUBLIC_DIR } from "./public-files.js";

/**
 * The NestJS bootstrap: the same `ChatGateway` class as on Fastify and Express, declared as a Nest
 * provider. Nest's injector builds it with the shared `ChatService` (and builds its guard);
 * `SocklineModule` mounts it on the server of `SocklineAdapter`, where its guard, DTO validation,
 * acks and lifecycle hooks run exactly as on the other two frameworks.
 */
/**
 * GET /metrics, as a Nest Prometheus module's controller serves it (those use prom-client's default
 * registry; the chat keeps one per app). The server's metrics are registered on the first scrape:
 * the server exists once the gateway is initialised.
 */
@Controller()
class MetricsController implements OnModuleDestroy {
  private readonly registry = new Registry();
  private registered: RegisteredMetrics | undefined;

  constructor(private readonly chat: ChatService) {}

  @Get("metrics")
  @Header("Content-Type", Registry.PROMETHEUS_CONTENT_TYPE)
  metrics(): Promise<string> {
    this.registered ??= registerMetrics(this.chat.namespace.server, { registry: this.registry, handlerTimings: true });
    return this.registry.metrics();
  }

  onModuleDestroy(): void {
    this.registered?.stop();
  }
}

@Module({})
class ChatModule {
  static create(chat: ChatService, server: Partial<ServerOptions>): DynamicModule {
    return {
      module: ChatModule,
      // The adapter reads its server options from DI, like a Nest app configured by modules.
      imports: [SocklineModule.forRoot({ server })],
      providers: [{ provide: ChatService, useValue: chat }, ChatGateway],
      controllers: [MetricsController],
    };
  }
}

export async function startNest({ chat, serverOptions, host, port }: BootstrapOptions): Promise<ListeningApp> {
  const app = await NestFactory.create<NestExpressApplication>(ChatModule.create(chat, serverOptions), {
    logger: ["error", "warn"],
    // A start-up error rejects startChat() (tests, main.ts reports it) instead of exiting the process.
    abortOnError: false,
  });
  app.useWebSocketAdapter(new SocklineAdapter(app));
  app.useStaticAssets(PUBLIC_DIR);
  await app.listen(port, host);
  return {
    port: (app.getHttpServer().address() as AddressInfo).port,
    // Like the Fastify and Express mounts, the chat tells its clients it is going away; then the adapter closes
    // the Socket.IO server (Nest's own convention: io.close(), which alone would let clients reconnect) and
    // Nest closes HTTP.
    close: () => {
      chat.disconnectLocalClients();
      return app.close();
    },
  };
}
