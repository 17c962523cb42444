// Observability through the plugin and on the bare core: the official admin UI (@socket.io/admin-ui)
// against both, as its browser app would use it, and the `metrics` route option.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { instrument } from "@socket.io/admin-ui";
import { Registry } from "prom-client";
import type { Server as ReferenceServer } from "socket.io";
import { Server } from "@sockline/core";
import { socketioPlugin } from "@sockline/fastify";
import { fileURLToPath } from "node:url";
import {
  baseUrl,
  connectClient,
  connected,
  nextEvent,
  once,
  openClient,
  runWithoutPackage,
  type ClientSocket,
} from "@sockline/e2e/support";
import { listen } from "./helpers.js";

interface ServerStats {
  clientsCount: number;
  namespaces: { name: string; socketsCount: number }[];
}

/** What the admin UI's browser app does and sees: it connects to /admin and follows the events. */
async function adminUiScenario(io: Server, url: string): Promise<void> {
  instrument(io as unknown as ReferenceServer, { auth: false, mode: "development" });
  const clients: ClientSocket[] = [];
  try {
    const user = await connectClient(url);
    clients.push(user);
    // what the UI is sent as it connects: listened to before the connection is made
    const admin = openClient(`${url}/admin`, { transports: ["websocket"] });
    clients.push(admin);
    const configSent = once<[{ supportedFeatures: string[] }]>(admin, "config");
    const socketsSent = once<[{ id: string; nsp: string }[]]>(admin, "all_sockets");
    await connected(admin);
    const [config] = await configSent;
    assert.ok(config.supportedFeatures.includes("MJOIN") && config.supportedFeatures.includes("MDISCONNECT"), "v4 features detected");
    const stats = await nextEvent<ServerStats>(admin, "server_stats", { match: (s) => s.clientsCount === 2 });
    assert.deepEqual(stats.namespaces.find((n) => n.name === "/")?.socketsCount, 1);
    const [sockets] = await socketsSent;
    assert.ok(sockets.some((s) => s.id === user.id && s.nsp === "/"));

    // live events, as the UI's socket list and event log show them
    const connectedEvent = nextEvent<{ id: string }>(admin, "socket_connected");
    const second = await connectClient(url);
    clients.push(second);
    assert.equal((await connectedEvent).id, second.id);
    const received = once<[string, string, unknown[]]>(admin, "event_received");
    second.emit("hello", "world");
    const [nsp, id, event] = await received;
    assert.deepEqual([nsp, id, event], ["/", second.id, ["hello", "world"]]);

    // actions of the UI: join a room, emit to it, disconnect the sockets in it
    const joined = once<[string, string, string]>(admin, "room_joined");
    admin.emit("join", "/", "vip", second.id);
    assert.deepEqual((await joined).slice(0, 3), ["/", "vip", second.id]);
    const news = once(second, "news");
    admin.emit("emit", "/", "vip", "news", 42);
    assert.deepEqual(await news, [42]);
    const gone = nextEvent<string>(admin, "socket_disconnected", { match: (n) => n === "/" });
    const kicked = once<[string, unknown]>(second, "disconnect");
    admin.emit("_disconnect", "/", false, "vip");
    assert.equal((await kicked)[0], "io server disconnect");
    await gone;
  } finally {
    for (const client of clients) client.disconnect();
  }
}

describe("@socket.io/admin-ui", () => {
  it("works against the core Server", async () => {
    const httpServer = createServer();
    const io = new Server(httpServer);
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    try {
      await adminUiScenario(io, baseUrl(httpServer));
    } finally {
      await io.close();
    }
  });

  it("works through the Fastify plugin", async () => {
    const app = Fastify();
    await app.register(socketioPlugin);
    const url = await listen(app);
    try {
      await adminUiScenario(app.io, url);
    } finally {
      await app.close();
    }
  });
});

describe("the metrics option of the plugin", () => {
  let app: FastifyInstance;
  let url: string;
  const registry = new Registry();
  before(async () => {
    app = Fastify();
    await app.register(socketioPlugin, { metrics: { route: "/metrics", registry, handlerTimings: true } });
    app.io.on("connection", (socket) => socket.on("ping!", (ack: () => void) => ack()));
    url = await listen(app);
  });
  after(() => app.close());

  it("serves the Prometheus text on the named route, and the figures follow the traffic", async () => {
    const client = await connectClient(url);
    await client.emitWithAck("ping!");
    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^socketio_connected_clients\{namespace="\/",transport="websocket"\} 1$/m);
    assert.match(text, /^socketio_packets_received_total\{type="EVENT"\} 1$/m);
    assert.match(text, /^socketio_handler_duration_seconds_count\{namespace="\/",event="ping!"\} 1$/m);
    assert.match(text, /^# TYPE socketio_adapter_requests_total counter$/m, "declared, without samples while no adapter reports");
    client.disconnect();
  });

  it("without prom-client installed: the plugin and the core load, and the metrics option fails with what to install", async () => {
    const script = `
      const { Server } = await import("@sockline/core");
      new Server().close();
      const { default: Fastify } = await import("fastify");
      const { socketioPlugin } = await import("@sockline/fastify");
      const app = Fastify();
      try {
        await app.register(socketioPlugin, { metrics: { route: "/metrics" } });
        console.log("registered");
      } catch (error) {
        console.log("refused: " + error.message + " | cause: " + error.cause?.code);
      } finally {
        await app.close();
      }
    `;
    const { stdout, stderr, code } = await runWithoutPackage("prom-client", script, {
      cwd: fileURLToPath(new URL("../../../", import.meta.url)),
    });
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout.trim(),
      "refused: @sockline/fastify: the metrics option needs prom-client (npm install prom-client) | cause: ERR_MODULE_NOT_FOUND",
    );
  });

  it("stops and unregisters with the app", async () => {
    const second = Fastify();
    const own = new Registry();
    await second.register(socketioPlugin, { metrics: { route: "/stats", registry: own } });
    await second.ready();
    assert.match(await own.metrics(), /socketio_upgrades_total 0/);
    await second.close();
    assert.equal((await own.metrics()).trim(), "");
  });
});
