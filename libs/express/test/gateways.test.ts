import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import express from "express";
import { sockline, socklineReady } from "@sockline/express";
import * as gatewayPackage from "@sockline/gateway";
import { appListen } from "./helpers.js";
import { closeServer, connected, echoGatewayClass, openClient, runWithoutPackage } from "@sockline/e2e/support";

const gatewayModule: Record<string, unknown> = gatewayPackage;
const workspaceRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("@sockline/express gateways option", () => {
  it("wires gateway classes (through gatewayFactory) and instances", async () => {
    const ByFactory = echoGatewayClass(gatewayModule, "/by-factory");
    const AsInstance = echoGatewayClass(gatewayModule, "/as-instance");
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
    const sockets = [
      openClient(`${url}/by-factory`, { transports: ["websocket"] }),
      openClient(`${url}/as-instance`, { transports: ["polling"] }),
    ];
    try {
      await Promise.all(sockets.map((socket) => connected(socket)));
      assert.deepEqual(await sockets[0]!.emitWithAck("echo", 1), { echoed: 1, tag: "made by factory" });
      assert.deepEqual(await sockets[1]!.emitWithAck("echo", 2), { echoed: 2, tag: "given as instance" });
    } finally {
      for (const socket of sockets) socket.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });

  // @sockline/gateway is an optional peer: a process in which it cannot be found, as where it is not installed.
  it("without @sockline/gateway installed: ready at once when no gateway is given, and says who needs it when some are", async () => {
    const script = `
      const { default: express } = await import("express");
      const { sockline, socklineReady } = await import("@sockline/express");
      const without = sockline(express(), { gateways: [], logger: false });
      await socklineReady(without);
      await new Promise((resolve) => without.close(resolve));
      console.log("ready without gateways");
      const io = sockline(express(), { gateways: [class Unused {}], logger: false });
      try {
        await socklineReady(io);
        console.log("ready with gateways");
      } catch (error) {
        console.log("refused: " + error.message + " | cause: " + error.cause?.code);
      } finally {
        await new Promise((resolve) => io.close(resolve));
      }
    `;
    const { stdout, stderr, code } = await runWithoutPackage("@sockline/gateway", script, { cwd: workspaceRoot });
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split("\n"), [
      "ready without gateways",
      'refused: @sockline/express: the "gateways" option needs the optional peer dependency "@sockline/gateway", which could not be loaded (install it next to @sockline/express) | cause: ERR_MODULE_NOT_FOUND',
    ]);
  });
});
