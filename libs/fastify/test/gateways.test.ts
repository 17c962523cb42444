import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import { listen } from "./helpers.js";
import { connected, echoGatewayClass, openClient } from "@sockline/e2e/support";

// The gateway package is an optional peer, loaded by name at run time like the plugin does; the
// positive test only runs once it provides mountGateways.
const GATEWAY_PACKAGE = "@sockline/gateway";
const gatewayModule = (await import(GATEWAY_PACKAGE).catch(() => undefined)) as Record<string, unknown> | undefined;
const hasMountGateways = typeof gatewayModule?.mountGateways === "function";

describe("@sockline/fastify gateways option", () => {
  it("registers without loading @sockline/gateway when no gateway is given", async () => {
    const app = Fastify();
    await app.register(socketioPlugin, { gateways: [] });
    await app.ready();
    await app.close();
  });

  it(
    "wires gateway classes (through gatewayFactory) and instances before the app is ready",
    { skip: hasMountGateways ? false : "@sockline/gateway does not export mountGateways yet" },
    async () => {
      const ByFactory = echoGatewayClass(gatewayModule!, "/by-factory");
      const AsInstance = echoGatewayClass(gatewayModule!, "/as-instance");
      const built: unknown[] = [];
      const app = Fastify();
      await app.register(socketioPlugin, {
        gateways: [ByFactory, new AsInstance("given as instance")],
        gatewayFactory: (cls) => {
          built.push(cls);
          return new (cls as typeof ByFactory)("made by factory");
        },
      });
      const url = await listen(app);
      const sockets = [openClient(`${url}/by-factory`, { transports: ["websocket"] }), openClient(`${url}/as-instance`, { transports: ["polling"] })];
      try {
        await Promise.all(sockets.map((socket) => connected(socket)));
        assert.deepEqual(await sockets[0]!.emitWithAck("echo", 1), { echoed: 1, tag: "made by factory" });
        assert.deepEqual(await sockets[1]!.emitWithAck("echo", 2), { echoed: 2, tag: "given as instance" });
        assert.deepEqual(built, [ByFactory]);
      } finally {
        for (const socket of sockets) socket.close();
        await app.close();
      }
    },
  );

  it(
    "reports a clear error when @sockline/gateway cannot provide mountGateways",
    { skip: hasMountGateways ? "@sockline/gateway provides mountGateways" : false },
    async () => {
      const app = Fastify();
      await assert.rejects(async () => {
        await app.register(socketioPlugin, { gateways: [class Unused {}] });
      }, /@sockline\/gateway/);
      await app.close();
    },
  );
});
