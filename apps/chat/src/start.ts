import createDebug from "debug";
import type { ServerOptions } from "@sockline/core";
import type { SessionRouter } from "@sockline/core/engine";
import type { BootstrapOptions, ListeningApp } from "./bootstrap-types.js";
import { ChatService } from "./chat-service.js";
import { ChatStore } from "./chat-store.js";
import { connectRedis, type RedisConnection } from "./redis.js";
import { chatServerOptions } from "./server-options.js";

const debug = createDebug("sockline:chat");

export const FRAMEWORKS = ["fastify", "express", "nestjs"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export function isFramework(value: unknown): value is Framework {
  return typeof value === "string" && (FRAMEWORKS as readonly string[]).includes(value);
}

export interface ChatOptions {
  /** Default `fastify`. */
  framework?: Framework;
  /** Default 3000; 0 picks a free port (tests). */
  port?: number;
  /** Default `0.0.0.0`. */
  host?: string;
  /** Run on the Redis (streams) adapter to share rooms, messages and sessions with other nodes. */
  redisUrl?: string;
  /** Messages kept per room (default 50). */
  historyPerRoom?: number;
  /**
   * This process is a worker of `--workers=N` (see `workers.ts`): sessions are routed between the
   * workers (`clusterRouter()`, no sticky sessions) and broadcasts cross them (the cluster adapter,
   * unless `redisUrl` brings the Redis one).
   */
  clusterWorker?: boolean;
}

export interface RunningChat {
  framework: Framework;
  /** Where to open the page (`localhost` when bound to every interface). */
  url: string;
  port: number;
  adapter: "in-memory" | "redis" | "cluster";
  /** The chat logic, and through it the namespace (tests drop connections through it). */
  chat: ChatService;
  /** Disconnects every socket, closes the servers and the Redis connection; safe to call twice. */
  close(): Promise<void>;
}

// Loaded on demand: starting on Fastify should not load Nest (and its reflect-heavy start-up).
const BOOTSTRAPS: Record<Framework, () => Promise<(options: BootstrapOptions) => Promise<ListeningApp>>> = {
  fastify: async () => (await import("./fastify.js")).startFastify,
  express: async () => (await import("./express.js")).startExpress,
  nestjs: async () => (await import("./nestjs.js")).startNest,
};

/** Starts the chat on one framework: the same gateway logic, page and options on all three. */
export async function startChat(options: ChatOptions = {}): Promise<RunningChat> {
  const framework = options.framework ?? "fastify";
  if (!isFramework(framework)) throw new Error(`unknown framework "${String(framework)}" (use ${FRAMEWORKS.join(", ")})`);
  const host = options.host ?? "0.0.0.0";

  let redis: RedisConnection | undefined;
  if (options.redisUrl) redis = await connectRedis(options.redisUrl);
  const worker = options.clusterWorker ? await clusterWorkerOptions(redis?.adapter) : undefined;
  const chat = new ChatService(new ChatStore(options.historyPerRoom ?? 50), { clustered: redis !== undefined || worker !== undefined });

  let app: ListeningApp;
  try {
    const start = await BOOTSTRAPS[framework]();
    // a cluster worker routes over IPC (its router passes upgrade sockets: cheaper than relaying); else Redis
    const sessionRouter = worker?.router ?? redis?.sessionRouter;
    const serverOptions = { ...chatServerOptions(worker?.adapter ?? redis?.adapter), ...(sessionRouter ? { sessionRouter } : {}) };
    app = await start({ chat, serverOptions, host, port: options.port ?? 3000 });
  } catch (error) {
    await redis?.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  const urlHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return {
    framework,
    url: `http://${urlHost}:${app.port}`,
    port: app.port,
    adapter: redis ? "redis" : worker ? "cluster" : "in-memory",
    chat,
    close: () =>
      (closing ??= (async () => {
        debug("closing the %s app", framework);
        await app.close();
        await worker?.router.close();
        await redis?.close();
      })()),
  };
}

/** A cluster worker's session router, and its adapter: the Redis one when there is one, else the cluster adapter. */
async function clusterWorkerOptions(
  redisAdapter: unknown,
): Promise<{ router: SessionRouter; adapter: NonNullable<ServerOptions["adapter"]> }> {
  // loaded only in worker mode: a single-process chat never loads the cluster modules
  const { clusterRouter } = await import("@sockline/core/cluster");
  const adapter = redisAdapter ?? (await import("@socket.io/cluster-adapter")).createAdapter();
  return { router: clusterRouter(), adapter: adapter as NonNullable<ServerOptions["adapter"]> };
}
