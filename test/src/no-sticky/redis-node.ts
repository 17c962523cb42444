// One Sockline node of the "no sticky sessions over Redis" tests, in its own process: a Socket.IO
// server with a Redis adapter (classic or streams) for broadcasts AND the Redis session router for
// requests of sessions other nodes own. Driven over IPC by the test: `{ id, cmd, args }` in,
// `{ id, result }` / `{ id, error }` out.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@sockline/core";
import { createAdapter, createRedisSessionRouter, createStreamsAdapter, type RedisSessionRouter } from "@sockline/redis-adapter";
import { createClient } from "redis";
import { serveCommands, type CommandHandler } from "@sockline/e2e/support";

export interface RedisNodeOptions {
  name: string;
  redisUrl: string;
  mode: "classic" | "streams";
  pingInterval?: number;
  pingTimeout?: number;
  forwardTimeout?: number;
}

export interface RedisNodeStats {
  nodeId: string;
  /** Requests this node refused with "Session ID unknown" (code 1). */
  unknownSid: number;
  /** Other refusals, by code. */
  refusals: Record<string, number>;
  sessions: number;
  router: ReturnType<RedisSessionRouter["stats"]>;
  diagnostics: Record<string, number>;
}

let io: Server | undefined;
let router: RedisSessionRouter | undefined;
let closeRedis: (() => Promise<void>) | undefined;
const refusals: Record<string, number> = {};
const diagnostics: Record<string, number> = {};

async function start(options: RedisNodeOptions) {
  const pub = createClient({ url: options.redisUrl });
  await pub.connect();
  const sub = options.mode === "classic" ? pub.duplicate() : undefined;
  await sub?.connect();
  closeRedis = async () => {
    for (const client of [pub, sub]) if (client?.isOpen) client.destroy();
  };
  router = createRedisSessionRouter(pub, { nodeId: options.name });
  await router.ready;
  const adapter =
    options.mode === "classic"
      ? createAdapter(pub, sub)
      : createStreamsAdapter(pub, { blockTimeInMs: 1000, persistConnectedSessions: true });
  const httpServer = createServer();
  io = new Server(httpServer, {
    adapter,
    sessionRouter: router,
    // the defaults (25 s + 20 s) unless a test needs a quicker heartbeat: a loaded 2-core machine must not
    // turn a slow pong into a lost connection in the test that counts them
    ...(options.pingInterval ? { pingInterval: options.pingInterval } : {}),
    ...(options.pingTimeout ? { pingTimeout: options.pingTimeout } : {}),
    ...(options.forwardTimeout ? { forwardTimeout: options.forwardTimeout } : {}),
    ...(options.mode === "streams" ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {}),
  } as ConstructorParameters<typeof Server>[1]);
  io.engine.on("connection_error", (error: { code: number }) => {
    refusals[error.code] = (refusals[error.code] ?? 0) + 1;
  });
  for (const source of [io.diagnostics, router.diagnostics]) {
    source.on("diagnostic", (d) => {
      diagnostics[d.name] = (diagnostics[d.name] ?? 0) + 1;
    });
  }
  installBehaviour(io, options.name);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  return { port: (httpServer.address() as AddressInfo).port, nodeId: router.nodeId };
}

/** What every node does for its clients: rooms from the query, broadcasts to a room, acks both ways. */
function installBehaviour(server: Server, name: string): void {
  server.on("connection", (socket) => {
    if (!socket.recovered) {
      const { room, user } = socket.handshake.query as Record<string, string>;
      socket.data = { user, room };
      if (room) socket.join(room);
    }
    // a message to everyone in the sender's room (the sender included), acked with the owner's name
    socket.on("say", (message: unknown, ack: (answer: unknown) => void) => {
      server.to(socket.data.room).emit("said", socket.data.user, message);
      ack({ node: name });
    });
    // an ack from the server that needs an ack from the client first: both directions in one call
    socket.on("ask", async (n: number, ack: (answer: unknown) => void) => {
      try {
        ack(await socket.timeout(20_000).emitWithAck("question", n));
      } catch (error) {
        ack({ error: (error as Error).message });
      }
    });
  });
}

const handlers: Record<string, CommandHandler> = {
  start,
  stats(): RedisNodeStats {
    return {
      nodeId: router!.nodeId,
      unknownSid: refusals[1] ?? 0,
      refusals,
      sessions: io!.engine.clientsCount,
      router: router!.stats(),
      diagnostics,
    };
  },
  emit({ event, args }: { event: string; args: unknown[] }) {
    io!.emit(event, ...args);
    return true;
  },
  async close() {
    await io?.close();
    await router?.close();
    await closeRedis?.();
    return true;
  },
};

// the stack: a failure inside a node process is read in the test's output, far from where it happened
serveCommands(handlers, (error) => error.stack ?? String(error));
