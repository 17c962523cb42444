import { describe, it } from "node:test";
import assert from "node:assert/strict";
import express from "express";
import { sockline, socklineReady } from "@sockline/express";
import { appListen } from "./helpers.js";
import { closeServer, connected, echoGatewayClass, openClient } from "@sockline/e2e/support";

// The gateway package is an optional peer, loaded by name at run time like the mount does; the
// positive test only runs once it provides mountGateways.
const GATEWAY_PACKAGE = "@sockline/gateway";
const gatewayModule = (await import(GATEWAY_PACKAGE).catch(() => undefined)) as Record<string, unknown> | undefined;
const hasMountGateways = typeof gatewayModule?.mountGateways === "function";

describe("@sockline/express gateways option", () => {
  it("is ready at once without loading @sockline/gateway when no gateway is given", async () => {
    const io = sockline(express(), { gateways: [] });
    await socklineReady(io);
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  it(
    "wires gateway classes (through gatewayFactory) and instances",
    { skip: hasMountGateways ? false : "@sockline/gateway does not export mountGateways yet" },
    async () => {
      const ByFactory = echoGatewayClass(gatewayModule!, "/by-factory");
      const AsInstance = echoGatewayClass(gatewayModule!, "/as-instance");
      const built: unknown[] = [];
      const app = express();
      const io = sockline(app, {
        gateways: [ByFactory, new AsInstance("given as instance")],
        gatewayFactory: (cls) => {
          built.push(cls);
          return new (cls as typeof ByFactory)("made by factory");
        },
      });
      await socklineReady(io);
      assert.deepEqual(built, [ByFactory]);
      const { server, url } = await appListen(app);
      const sockets = [openClient(`${url}/by-factory`, { transports: ["websocket"] }), openClient(`${url}/as-instance`, { transports: ["polling"] })];
      try {
        await Promise.all(sockets.map((socket) => connected(socket)));
        assert.deepEqual(await sockets[0]!.emitWithAck("echo", 1), { echoed: 1, tag: "made by factory" });
        assert.deepEqual(await sockets[1]!.emitWithAck("echo", 2), { echoed: 2, tag: "given as instance" });
      } finally {
        for (const socket of sockets) socket.close();
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await closeServer(server);
      }
    },
  );

  it(
    "reports a clear error when @sockline/gateway cannot provide mountGateways",
    { skip: hasMountGateways ? "@sockline/gateway provides mountGateways" : false },
    async () => {
      const io = sockline(express(), { gateways: [class Unused {}] });
      await assert.rejects(socklineReady(io), /@sockline\/gateway/);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  );
});
