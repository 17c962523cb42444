import type { AddressInfo } from 'node:net';
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { SocklineAdapter, type SocklineAdapterOptions } from '@sockline/nestjs';

export type Platform = 'express' | 'fastify';

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Builds a Nest application on the given platform with our adapter and listens on an ephemeral port. */
export async function startApp(
  platform: Platform,
  metadata: ModuleMetadata,
  options: SocklineAdapterOptions = {},
  beforeListen?: (app: INestApplication) => void,
  logger: LoggerService | false = false,
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({ logger })
      : moduleRef.createNestApplication(new FastifyAdapter(), { logger });
  app.useWebSocketAdapter(new SocklineAdapter(app, options));
  beforeListen?.(app);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A start-up refusal must not leave what was already created open (the test process would not end).
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
