/**
 * Starts Sockline nodes (a `Server` on its own HTTP port with its own Redis connections) and official clients.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@sockline/core";
import { createAdapter, createStreamsAdapter, type RedisAdapter, type RedisStreamsAdapter } from "@sockline/redis-adapter";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { io as connectClient, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from "socket.io-client";
import { connected, waitUntil } from "@sockline/e2e/support";

export type Mode = "classic" | "streams";
export type ClientFlavour = "node-redis" | "ioredis";

export interface NodeOptions {
  name: string;
  redisUrl: string;
  mode?: Mode;
  flavour?: ClientFlavour;
  requestsTimeout?: number;
  recovery?: boolean;
  /** Classic mode: pass only the publishing client, the adapter duplicates it for subscriptions. */
  singleClient?: boolean;
  /** Namespaces to create (and wait for) besides "/". */
  namespaces?: string[];
  /** Streams mode: keep connected sockets' sessions in Redis (recovery after a crash). */
  persistConnectedSessions?: boolean;
}

export interface SocklineNode {
  readonly name: string;
  readonly io: Server;
  readonly port: number;
  readonly url: string;
  adapter(nsp?: string): RedisAdapter | RedisStreamsAdapter;
  close(): Promise<void>;
}

/** Reconnect fast and forever: tests stop Redis on purpose. */
const quickRetry = (attempt: number) => Math.min(50 * (attempt + 1), 300);

/** node-redis or ioredis clients; no 'error' listener on purpose: the adapter must absorb outages itself. */
async function redisClients(url: string, flavour: ClientFlavour, count: number): Promise<{ clients: any[]; close(): Promise<void> }> {
  if (flavour === "ioredis") {
    const clients = Array.from({ length: count }, () => new Redis(url, { retryStrategy: quickRetry, maxRetriesPerRequest: 3 }));
    await waitUntil(() => clients.every((c) => c.status === "ready"), "ioredis clients ready");
    return {
      clients,
      close: async () =>
        void clients.forEach((c) => {
          c.disconnect();
        }),
    };
  }
  const clients = Array.from({ length: count }, () => createClient({ url, socket: { reconnectStrategy: quickRetry } }));
  await Promise.all(clients.map((c) => c.connect()));
  return {
    clients,
    close: async () =>
      void clients.forEach((c) => {
        if (c.isOpen) c.destroy();
      }),
  };
}

/** Installs the behaviour every test node shares (in this process or in a child process). */
export function installScenario(io: Server, name: string, namespaces: string[] = []): void {
  for (const nspName of ["/", ...namespaces]) {
    const nsp = io.of(nspName);
    nsp.on("connection", (socket: any) => {
      // a recovered socket comes back with its rooms and data: keep them
      if (socket.recovered) return;
      const { room, user } = socket.handshake.query as Record<string, string | undefined>;
      socket.data = { node: name, user: user ?? null };
      if (room) socket.join(room);
    });
  }
  io.on("whoami", (...args: any[]) => {
    const ack = args[args.length - 1];
    if (typeof ack === "function") ack(name);
  });
  io.on("note", (text: string) => {
    notes.set(name, [...(notes.get(name) ?? []), text]);
  });
  // never answers: lets tests observe request timeouts
  io.on("silent", () => {});
}

/** serverSideEmit("note", ...) payloads received, by node name (for nodes in this process). */
export const notes = new Map<string, string[]>();

export async function startSocklineNode(options: NodeOptions): Promise<SocklineNode> {
  const { name, redisUrl, mode = "classic", flavour = "node-redis", requestsTimeout = 2000, recovery = false } = options;
  const { clients, close: closeClients } = await redisClients(redisUrl, flavour, mode === "classic" && !options.singleClient ? 2 : 1);
  const adapter =
    mode === "classic"
      ? createAdapter(clients[0], clients[1], { requestsTimeout })
      : createStreamsAdapter(clients[0], {
          requestsTimeout,
          blockTimeInMs: 1000,
          persistConnectedSessions: options.persistConnectedSessions ?? false,
        });
  const httpServer = createServer();
  const io = new Server(httpServer, {
    adapter,
    ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true } } : {}),
  } as any);
  installScenario(io, name, options.namespaces);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const node: SocklineNode = {
    name,
    io,
    port,
    url: `http://127.0.0.1:${port}`,
    adapter: (nsp = "/") => io.of(nsp).adapter as unknown as RedisAdapter | RedisStreamsAdapter,
    async close() {
      await io.close();
      await closeClients();
    },
  };
  await Promise.all(["/", ...(options.namespaces ?? [])].map((nsp) => node.adapter(nsp).subscribed));
  return node;
}

/** Waits until every node of `nodes` sees `count` servers in namespace `nsp`. */
export async function waitForCluster(
  nodes: Array<{ adapter(nsp?: string): { serverCount(): Promise<number> } }>,
  count: number,
  nsp = "/",
): Promise<void> {
  await waitUntil(async () => {
    const counts = await Promise.all(nodes.map((node) => node.adapter(nsp).serverCount()));
    return counts.every((c) => c === count);
  }, `${count} servers in ${nsp}`);
}

export type TestClient = ClientSocket<any, any> & {
  /** Events received so far, in order: `[event, ...args]`. */
  received: unknown[][];
};

/** An official socket.io-client (WebSocket only) that records every event it receives. */
export async function connect(
  url: string,
  query: Record<string, string> = {},
  opts: Partial<ManagerOptions & SocketOptions> = {},
): Promise<TestClient> {
  const client = connectClient(url, {
    transports: ["websocket"],
    forceNew: true,
    query,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    ...opts,
  }) as TestClient;
  client.received = [];
  client.onAny((...args: unknown[]) => client.received.push(args));
  await connected(client);
  return client;
}

/** Events named `event` received by `client`, without the name. */
export function eventsOf(client: TestClient, event: string): unknown[][] {
  return client.received.filter(([name]) => name === event).map(([, ...args]) => args);
}
