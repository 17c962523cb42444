// The process under test of the soak test: three Sockline servers (the bare core, the Fastify plugin,
// the Express mount) in one Node process, so that a crash anywhere ends the process and the test sees
// it. Driven over IPC by soak.test.ts: it reports its URLs, answers memory snapshots (after a full GC)
// and starts/stops a broadcast ticker. Run with --expose-gc.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import { Server, type Socket } from "@sockline/core";
import type { EngineSocket } from "@sockline/core/engine";
import { socketioPlugin } from "@sockline/fastify";
import { sockline } from "@sockline/express";

/** What the soak test asks of this process. */
export type SoakCommand = { type: "snapshot"; id: number } | { type: "close"; id: number };

/** What this process tells the soak test. */
export type SoakReport =
  | { type: "ready"; urls: Record<MountName, string> }
  | {
      type: "snapshot";
      id: number;
      heapUsed: number;
      rss: number;
      clients: Record<MountName, number>;
      /** Engine sessions by "mount transport readyState", to tell which ones are left when the count is off. */
      sessions: Record<string, number>;
      diagnostics: Record<string, number>;
    }
  | { type: "closed"; id: number };

export type MountName = "core" | "fastify" | "express";

/**
 * Heartbeats short enough that clients that vanish are reaped within the soak's time, long enough
 * that a client that stops reading hits `maxBufferedBytes` (4 MiB, the default) before its ping
 * timeout: the soak checks that the limit, not the heartbeat, deals with it.
 */
const ENGINE_OPTIONS = { pingInterval: 3_000, pingTimeout: 3_000, connectTimeout: 3_000 } as const;
/** The broadcast every socket of "/" gets; well-behaved clients check that none is missing. */
const TICK_BYTES = 1024;
const TICK_MS = 50;
/**
 * The broadcast of room "flood", which only the slow consumers join: 2.5 MB/s, so a client that
 * stops reading fills its kernel buffers and then `maxBufferedBytes` within seconds. (A well-behaved
 * polling client on a loaded machine cannot take 2.5 MB/s either: it would rightly be dropped too.)
 */
const FLOOD_BYTES = 128 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("soak-server must run with --expose-gc");

const diagnostics: Record<string, number> = {};

/** The application every mount runs: echo with ack, a ticker to every socket of "/", dynamic namespaces. */
function serveApplication(io: Server): () => void {
  io.diagnostics.on("diagnostic", (d) => {
    diagnostics[d.name] = (diagnostics[d.name] ?? 0) + 1;
  });
  const onConnection = (socket: Socket) => {
    socket.on("echo", (value: unknown, ack?: (v: unknown) => void) => ack?.(value));
    socket.on("flood", () => socket.join("flood"));
  };
  io.on("connection", onConnection);
  io.of(/^\/dynamic-\d+$/).on("connection", (socket) => socket.on("echo", (v: unknown, ack?: (v: unknown) => void) => ack?.(v)));
  const tickFiller = "t".repeat(TICK_BYTES);
  const floodFiller = "f".repeat(FLOOD_BYTES);
  let seq = 0;
  // every socket of "/" gets the ticks, the well-behaved ones count them
  const ticker = setInterval(() => {
    io.emit("tick", ++seq, tickFiller);
    io.to("flood").emit("flood", seq, floodFiller);
  }, TICK_MS);
  return () => clearInterval(ticker);
}

async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  // the bare core, with the engine's own CORS middleware (the engine-middleware path of upgrades)
  const coreHttp = createServer((_req, res) => res.writeHead(404).end());
  const coreIo = new Server(coreHttp, { ...ENGINE_OPTIONS, cors: { origin: "*" } });
  const stopCore = serveApplication(coreIo);

  const fastify = Fastify({ logger: false });
  fastify.get("/x", async () => "ok");
  await fastify.register(socketioPlugin, ENGINE_OPTIONS);
  const stopFastify = serveApplication(fastify.io);

  const app = express();
  app.get("/x", (_req, res) => void res.send("ok"));
  const expressHttp = createServer(app);
  // diagnostics are counted from io.diagnostics below; the console logger would only add noise to the test output
  const expressIo = sockline(app, { ...ENGINE_OPTIONS, server: expressHttp, logger: false });
  const stopExpress = serveApplication(expressIo);

  const urls = {
    core: await listen(coreHttp),
    fastify: (await fastify.listen({ port: 0, host: "127.0.0.1" })).replace("localhost", "127.0.0.1"),
    express: await listen(expressHttp),
  };
  const servers: Record<MountName, Server> = { core: coreIo, fastify: fastify.io, express: expressIo };

  const send = (report: SoakReport) => process.send!(report);
  process.on("message", async (command: SoakCommand) => {
    if (command.type === "snapshot") {
      for (let i = 0; i < 3; i++) {
        gc!();
        await new Promise((resolve) => setImmediate(resolve));
      }
      const { heapUsed, rss } = process.memoryUsage();
      const clients = { core: 0, fastify: 0, express: 0 };
      const sessions: Record<string, number> = {};
      for (const name of Object.keys(servers) as MountName[]) {
        const engine = servers[name].engine;
        clients[name] = engine.clientsCount;
        // the reference documents `clients` as an object keyed by sid; a Map serves the same purpose
        const all =
          (engine.clients as unknown) instanceof Map
            ? [...(engine.clients as unknown as Map<string, EngineSocket>).values()]
            : Object.values(engine.clients as unknown as Record<string, EngineSocket>);
        for (const session of all) {
          const key = `${name} ${session.transport.name} ${session.readyState}${session.upgrading ? " upgrading" : ""}`;
          sessions[key] = (sessions[key] ?? 0) + 1;
        }
      }
      send({ type: "snapshot", id: command.id, heapUsed, rss, clients, sessions, diagnostics: { ...diagnostics } });
    } else if (command.type === "close") {
      stopCore();
      stopFastify();
      stopExpress();
      await Promise.all([coreIo.close(), fastify.close(), expressIo.close().then(() => new Promise((r) => expressHttp.close(r)))]);
      send({ type: "closed", id: command.id });
      process.disconnect();
    }
  });
  send({ type: "ready", urls });
}

main().catch((err) => {
  console.error("soak-server failed to start:", err);
  process.exit(1);
});
