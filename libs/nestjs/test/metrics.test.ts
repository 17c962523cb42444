// With the usual Nest Prometheus setups (e.g. @willsoto/nestjs-prometheus), /metrics serves
// prom-client's default registry: a gateway that registers the server's metrics there in its
// afterInit() makes them appear on it. The controller below is what those modules' controller does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Header, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import { register } from 'prom-client';
import type { Server } from '@sockline/core';
import { registerMetrics, type RegisteredMetrics } from '@sockline/core/prometheus';
import { SocklineAdapter } from '@sockline/nestjs';
import { connectClient } from '@sockline/e2e/support';

let registered: RegisteredMetrics | undefined;

@WebSocketGateway()
class EchoGateway implements OnGatewayInit {
  afterInit(server: Server) {
    registered = registerMetrics(server, { handlerTimings: true }); // prom-client's default registry
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() text: string) {
    return text;
  }
}

@Controller()
class MetricsController {
  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics() {
    return register.metrics();
  }
}

@Module({ providers: [EchoGateway], controllers: [MetricsController] })
class AppModule {}

describe('@sockline/nestjs and the default prom-client registry', () => {
  let app: INestApplication;
  let url: string;
  before(async () => {
    app = await NestFactory.create(AppModule, { logger: false });
    app.useWebSocketAdapter(new SocklineAdapter(app));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  after(async () => {
    registered?.stop();
    await app.close();
  });

  it("the server's metrics, and its handlers' timings, appear on the app's /metrics", async () => {
    const client = await connectClient(url);
    assert.equal(await client.emitWithAck('echo', 'hi'), 'hi');
    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^socketio_connected_clients\{namespace="\/",transport="websocket"\} 1$/m);
    assert.match(text, /^socketio_packets_sent_total\{type="ACK"\} 1$/m);
    assert.match(text, /^socketio_handler_duration_seconds_count\{namespace="\/",event="echo"\} 1$/m);
    client.disconnect();
  });
});
