// Payload validation by declared type needs `emitDecoratorMetadata`. A build without it (here: a
// class decorated by hand, which is what such a build produces: no `design:paramtypes`) must not
// mount a `@Payload()` that would silently never be validated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { Server } from '@sockline/core';
import { socketioPlugin } from '@sockline/fastify';
import { Test } from '@nestjs/testing';
import { SocklineAdapter, SocklineModule } from '@sockline/nestjs';
import { Gateway, On, Payload, mountGateways } from '@sockline/gateway';
import { MessageDto, connectClient, listen } from '@sockline/e2e/support';

/** A gateway as a build without decorator metadata leaves it: decorators applied, no design:* types. */
function handDecorated(namespace: string, payloadDecorator: ParameterDecorator) {
  class NoMetadataGateway {
    message(dto: MessageDto) {
      return { got: dto, isDto: dto instanceof MessageDto };
    }
  }
  const prototype = NoMetadataGateway.prototype;
  payloadDecorator(prototype, 'message', 0);
  On('message')(prototype, 'message', Object.getOwnPropertyDescriptor(prototype, 'message')!);
  Gateway(namespace)(NoMetadataGateway);
  assert.equal(Reflect.getMetadata('design:paramtypes', prototype, 'message'), undefined, 'the fixture has no metadata');
  return NoMetadataGateway;
}

const MISSING_METADATA = /NoMetadataGateway\.message: @Payload\(\) .*"design:paramtypes".*"emitDecoratorMetadata": true/;

describe('@sockline/gateway without emitDecoratorMetadata', () => {
  it('refuses to mount a @Payload() whose type it cannot know, naming the method and the tsconfig option', async () => {
    const io = new Server();
    try {
      await assert.rejects(mountGateways(io, [handDecorated('/no-meta', Payload())]), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, MISSING_METADATA);
        return true;
      });
      assert.equal(io._nsps.has('/no-meta'), false, 'nothing was wired');
    } finally {
      await io.close();
    }
  });

  it('fails the Fastify app at start-up, not at the first event', async () => {
    const app = Fastify();
    try {
      await assert.rejects(async () => {
        await app.register(socketioPlugin, { gateways: [handDecorated('/no-meta', Payload())] });
        await app.ready();
      }, MISSING_METADATA);
    } finally {
      await app.close();
    }
  });

  it('fails the NestJS application at start-up (SocklineModule), not at the first event', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SocklineModule],
      providers: [handDecorated('/no-meta', Payload())],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useWebSocketAdapter(new SocklineAdapter(app));
    try {
      await assert.rejects(app.init(), MISSING_METADATA);
    } finally {
      await app.close();
    }
  });

  it('mounts and validates with the DTO named in @Payload(Dto); @Payload(Object) takes the payload as it is', async () => {
    const httpServer = createServer();
    const io = new Server(httpServer);
    await mountGateways(io, [handDecorated('/named', Payload(MessageDto)), handDecorated('/unvalidated', Payload(Object))]);
    const url = await listen(httpServer);
    const named = await connectClient(`${url}/named`);
    const unvalidated = await connectClient(`${url}/unvalidated`);
    try {
      assert.deepEqual(await named.emitWithAck('message', { text: 'hi', priority: 1 }), { got: { text: 'hi', priority: 1 }, isDto: true });
      const refused = await named.emitWithAck('message', { text: '', priority: -1 });
      assert.equal(refused.error.message, 'Validation failed');
      assert.deepEqual(await unvalidated.emitWithAck('message', { anything: true }), { got: { anything: true }, isDto: false });
    } finally {
      named.close();
      unvalidated.close();
      await io.close();
    }
  });
});
