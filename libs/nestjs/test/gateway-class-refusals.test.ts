// What cannot run as declared is refused at start-up with the reason and the fix, before anything
// is mounted: a `@Gateway` that is request-scoped or transient, Nest-only decorators that would be
// silently ignored, the same class in two modules, a guard that cannot be built, a missing adapter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Injectable,
  Module,
  Scope,
  UseGuards as NestUseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type CallHandler,
  type NestInterceptor,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Gateway, On, UseGuards, type GuardContext } from '@sockline/gateway';
import { GatewayClassError, SocklineModule } from '@sockline/nestjs';
import { connectClient } from '@sockline/e2e/support';
import { startApp } from './app.js';

@Injectable({ scope: Scope.REQUEST })
class PerRequest {}

@Injectable()
class UsesPerRequest {
  constructor(readonly perRequest: PerRequest) {}
}

@Gateway('/request-scoped')
@Injectable({ scope: Scope.REQUEST })
class RequestScopedGateway {}

@Gateway('/request-scoped-dependency')
class RequestScopedDependencyGateway {
  constructor(readonly uses: UsesPerRequest) {}
}

@Gateway('/transient')
@Injectable({ scope: Scope.TRANSIENT })
class TransientGateway {}

class PassThrough implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler) {
    return next.handle();
  }
}

@Gateway('/intercepted')
class InterceptedGateway {
  @On('event')
  @UseInterceptors(PassThrough)
  event() {}
}

@Gateway('/piped')
@UsePipes(new ValidationPipe())
class PipedGateway {}

@Gateway('/nest-guarded')
@NestUseGuards(
  class {
    canActivate() {
      return true;
    }
  },
)
class NestGuardedGateway {}

@Gateway('/subscribed')
class SubscribedGateway {
  @SubscribeMessage('event')
  event() {}
}

@Gateway('/both')
@WebSocketGateway()
class BothGateway {}

@Gateway('/twice')
class TwiceGateway {}

@Module({ providers: [TwiceGateway] })
class FirstModule {}

@Module({ providers: [TwiceGateway] })
class SecondModule {}

/** A guard whose dependency no module provides. */
@Injectable()
class Unbuildable {
  constructor(readonly missing: PerRequest) {}
  canActivate(_context: GuardContext) {
    return true;
  }
}

@Gateway('/unbuildable-guard')
@UseGuards(Unbuildable)
class UnbuildableGuardGateway {}

/** No class decorator: TypeScript records no parameter types, so Nest could not inject `store`. */
class UndecoratedGuard {
  constructor(readonly store: Map<string, string>) {}
  canActivate(_context: GuardContext) {
    return this.store.size >= 0;
  }
}

@Gateway('/undecorated-guard')
@UseGuards(UndecoratedGuard)
class UndecoratedGuardGateway {}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedGuard {
  canActivate(_context: GuardContext) {
    return true;
  }
}

@Gateway('/request-scoped-guard')
@UseGuards(RequestScopedGuard)
class RequestScopedGuardGateway {}

/** As a build without decorator metadata leaves a class: decorated, but no parameter types. */
class NoTypesGateway {
  constructor(readonly dependency: UsesPerRequest) {}
}
Gateway('/no-types')(NoTypesGateway);

@Gateway('/fine')
class FineGateway {
  @On('ping')
  ping() {
    return 'pong';
  }
}

const REFUSALS: { name: string; metadata: Parameters<typeof startApp>[1]; message: RegExp }[] = [
  {
    name: 'a request-scoped @Gateway',
    metadata: { providers: [RequestScopedGateway] },
    message: /^RequestScopedGateway: a @Gateway cannot be request-scoped: one instance serves every socket/,
  },
  {
    name: 'a @Gateway with a request-scoped dependency, naming the chain',
    metadata: { providers: [PerRequest, UsesPerRequest, RequestScopedDependencyGateway] },
    message: /cannot be request-scoped \(through RequestScopedDependencyGateway -> UsesPerRequest -> PerRequest, which is REQUEST-scoped\)/,
  },
  {
    name: 'a transient @Gateway',
    metadata: { providers: [TransientGateway] },
    message: /^TransientGateway: a @Gateway cannot be TRANSIENT-scoped.*its dependencies may be transient/,
  },
  {
    name: "Nest's @UseInterceptors on a handler",
    metadata: { providers: [InterceptedGateway] },
    message: /Nest's @UseInterceptors on InterceptedGateway\.event would not apply to a @Gateway class/,
  },
  {
    name: "Nest's @UsePipes on the class",
    metadata: { providers: [PipedGateway] },
    message: /Nest's @UsePipes on PipedGateway would not apply.*@Payload\(\) validates its DTO/,
  },
  {
    name: "Nest's @UseGuards, pointing to the gateway's",
    metadata: { providers: [NestGuardedGateway] },
    message: /@UseGuards from '@nestjs\/common' on NestGuardedGateway.*use @UseGuards from '@sockline\/gateway'/,
  },
  {
    name: '@SubscribeMessage on a @Gateway method',
    metadata: { providers: [SubscribedGateway] },
    message: /@SubscribeMessage on SubscribedGateway\.event.*@On from '@sockline\/gateway'/,
  },
  {
    name: 'a class that is both a @WebSocketGateway and a @Gateway',
    metadata: { providers: [BothGateway] },
    message: /^BothGateway: it is decorated with both @WebSocketGateway and @Gateway/,
  },
  {
    name: 'the same @Gateway provided by two modules',
    metadata: { imports: [FirstModule, SecondModule] },
    message: /^TwiceGateway: it is provided by two modules \(FirstModule and SecondModule\)/,
  },
  {
    name: "a guard that Nest cannot build, with Nest's reason",
    metadata: { providers: [UnbuildableGuardGateway] },
    message: /^UnbuildableGuardGateway: its guard Unbuildable could not be built: Nest can't resolve dependencies of the Unbuildable/,
  },
  {
    name: 'a @Gateway with constructor parameters whose types were not recorded (no emitDecoratorMetadata)',
    metadata: { providers: [NoTypesGateway] },
    message: /^NoTypesGateway: it takes constructor parameters, but their types were not recorded.*"emitDecoratorMetadata"/,
  },
  {
    name: 'a guard with constructor parameters whose types were not recorded',
    metadata: { providers: [UndecoratedGuardGateway] },
    message:
      /^UndecoratedGuardGateway: its guard UndecoratedGuard takes constructor parameters, but their types were not recorded.*@Injectable\(\)/,
  },
  {
    name: 'a request-scoped guard',
    metadata: { providers: [RequestScopedGuard, RequestScopedGuardGateway] },
    message: /^RequestScopedGuardGateway: its guard RequestScopedGuard is request-scoped/,
  },
];

describe('@Gateway classes that cannot run as declared are refused at start-up', () => {
  for (const { name, metadata, message } of REFUSALS) {
    it(name, async () => {
      await assert.rejects(
        startApp('express', {
          ...metadata,
          imports: [SocklineModule, ...(metadata.imports ?? [])],
          providers: [FineGateway, ...(metadata.providers ?? [])],
        }),
        (error: unknown) => {
          assert.ok(error instanceof GatewayClassError, String(error));
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('without SocklineAdapter: the start-up fails, saying how to set it', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [SocklineModule], providers: [FineGateway] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await assert.rejects(
        app.init(),
        /@Gateway classes FineGateway run on SocklineAdapter, but the application's WebSocket adapter is not set: call app\.useWebSocketAdapter\(new SocklineAdapter\(app\)\)/,
      );
    } finally {
      await app.close();
    }
  });

  it('without SocklineModule: nothing mounts them, and the adapter says so at warn', async () => {
    const warnings: string[] = [];
    const logger = { log() {}, error() {}, warn: (message: unknown) => void warnings.push(String(message)) };
    const running = await startApp('express', { providers: [FineGateway] }, {}, undefined, logger);
    try {
      assert.ok(
        warnings.some(w => /FineGateway are providers, but SocklineModule is not imported/.test(w)),
        warnings.join('\n'),
      );
      // No gateway of either kind: no Socket.IO server at all.
      assert.equal((await fetch(`${running.url}/socket.io/?EIO=4&transport=polling`)).status, 404);
    } finally {
      await running.close();
    }
  });

  it('with SocklineModule, the same application serves the gateway', async () => {
    const running = await startApp('express', { imports: [SocklineModule], providers: [FineGateway] });
    const client = await connectClient(`${running.url}/fine`);
    try {
      assert.equal(await client.emitWithAck('ping'), 'pong');
    } finally {
      client.close();
      await running.close();
    }
  });
});
