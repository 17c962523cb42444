/**
 * Type tests of @sockline/fastify, compiled by TypeScript 5 (see test/support/type-tests.ts; never
 * run): the plugin's options, and `app.io` typed by augmenting `SocklineFastifyTypes`. Each
 * `@ts-expect-error` line must be an error, or the check fails.
 */
import Fastify from "fastify";
import { Registry } from "prom-client";
import type { Socket } from "@sockline/core";
import defaultPlugin, { socketioPlugin, socklinePlugin, type FastifySocklineServer, type SocklineFastifyOptions } from "@sockline/fastify";

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectTrue<T extends true>(_proof?: T): void {}

interface ClientToServerEvents {
  hello: (name: string, ack: (greeting: string) => void) => void;
}
interface ServerToClientEvents {
  news: (headline: string, priority: number) => void;
}
interface InterServerEvents {
  invalidate: (key: string) => void;
}
interface SocketData {
  userId: number;
}

// The augmentation users write once (see the README) types `app.io` everywhere.
declare module "@sockline/fastify" {
  interface SocklineFastifyTypes {
    listenEvents: ClientToServerEvents;
    emitEvents: ServerToClientEvents;
    serverSideEvents: InterServerEvents;
    socketData: SocketData;
  }
}

export async function pluginOptions(): Promise<void> {
  const app = Fastify();
  await app.register(socketioPlugin, {
    pingInterval: 10_000,
    cors: { origin: "https://app.example" },
    upgradeRoutingTimeout: 5_000,
    maxPendingUpgrades: 64,
    logDiagnostics: false,
    decorator: "io",
    gateways: [class ChatGateway {}],
    gatewayFactory: (cls) => ({ builtFrom: cls }),
  });
  // @ts-expect-error pingInterval is a number of milliseconds
  await app.register(socketioPlugin, { pingInterval: "10s" });
  // @ts-expect-error logDiagnostics is a boolean
  await app.register(socketioPlugin, { logDiagnostics: "warn" });
  // @ts-expect-error gatewayFactory builds an object from a class
  await app.register(socketioPlugin, { gatewayFactory: (name: string) => name });
  // the metrics route: a prom-client Registry (or any registry with contentType / metrics / removeSingleMetric)
  await app.register(socketioPlugin, { metrics: { route: "/metrics", registry: new Registry(), prefix: "chat_", handlerTimings: true } });
  // @ts-expect-error the metrics option names its route
  await app.register(socketioPlugin, { metrics: { prefix: "chat_" } });
  // @ts-expect-error handlerTimings' maxEvents is a number
  await app.register(socketioPlugin, { metrics: { route: "/metrics", handlerTimings: { maxEvents: "10" } } });

  // one plugin under three names: the documented one, the default export and the deprecated alias
  expectTrue<Equal<typeof defaultPlugin, typeof socketioPlugin>>();
  expectTrue<Equal<typeof socklinePlugin, typeof socketioPlugin>>();
  const options: SocklineFastifyOptions = { path: "/realtime" };
  await app.register(defaultPlugin, options);
}

export function typedAppIo(): void {
  const app = Fastify();
  expectTrue<Equal<typeof app.io, FastifySocklineServer>>();

  app.io.emit("news", "release", 1);
  // @ts-expect-error "news" takes a headline and a priority
  app.io.emit("news", "release");
  // @ts-expect-error not a server-to-client event
  app.io.emit("hello", "x");
  app.io.to("room").emit("news", "room news", 2);
  // @ts-expect-error wrong payload in a room broadcast
  app.io.to("room").emit("news", 2, "room news");
  app.io.serverSideEmit("invalidate", "cache-key");
  // @ts-expect-error inter-server events are typed too
  app.io.serverSideEmit("invalidate", 42);

  app.io.on("connection", (socket) => {
    expectTrue<Equal<typeof socket, Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>>>();
    socket.data.userId.toFixed();
    // @ts-expect-error SocketData.userId is a number
    socket.data.userId = "u1";
    socket.on("hello", (name, ack) => ack(`hello ${name}`));
    // @ts-expect-error the ack of "hello" answers a string
    socket.on("hello", (_name, ack) => ack(42));
    // @ts-expect-error not a client-to-server event
    socket.on("news", () => {});
  });
}
