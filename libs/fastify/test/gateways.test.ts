import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import { listen } from "./helpers.js";
import * as gatewayPackage from "@sockline/gateway";
import { connected, echoGatewayClass, openClient, runWithoutPackage } from "@sockline/e2e/support";

const gatewayModule: Record<string, unknown> = gatewayPackage;
const workspaceRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("@sockline/fastify gateways option", () => {
  it("wires gateway classes (through gatewayFactory) and instances before the app is ready", async () => {
    const ByFactory = echoGatewayClass(gatewayModule, "/by-factory");
    const AsInstance = echoGatewayClass(gatewayModule, "/as-instance");
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
    const sockets = [
      openClient(`${url}/by-factory`, { transports: ["websocket"] }),
      openClient(`${url}/as-instance`, { transports: ["polling"] }),
    ];
    try {
      await Promise.all(sockets.map((socket) => connected(socket)));
      assert.deepEqual(await sockets[0]!.emitWithAck("echo", 1), { echoed: 1, tag: "made by factory" });
      assert.deepEqual(await sockets[1]!.emitWithAck("echo", 2), { echoed: 2, tag: "given as instance" });
      assert.deepEqual(built, [ByFactory]);
    } finally {
      for (const socket of sockets) socket.close();
      await app.close();
    }
  });

  // @sockline/gateway is an optional peer: a process in which it cannot be found, as where it is not installed.
  it("without @sockline/gateway installed: registers when no gateway is given, and says who needs it when some are", async () => {
    const script = `
      const { default: Fastify } = await import("fastify");
      const { socketioPlugin } = await import("@sockline/fastify");
      const without = Fastify();
      await without.register(socketioPlugin, { gateways: [] });
      await without.ready();
      await without.close();
      console.log("registered without gateways");
      const app = Fastify();
      try {
        await app.register(socketioPlugin, { gateways: [class Unused {}] });
        console.log("registered with gateways");
      } catch (error) {
        console.log("refused: " + error.message + " | cause: " + error.cause?.code);
      } finally {
        await app.close();
      }
    `;
    const { stdout, stderr, code } = await runWithoutPackage("@sockline/gateway", script, { cwd: workspaceRoot });
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split("\n"), [
      "registered without gateways",
      'refused: @sockline/fastify: the "gateways" option needs the optional peer dependency "@sockline/gateway", which could not be loaded (install it next to @sockline/fastify) | cause: ERR_MODULE_NOT_FOUND',
    ]);
  });
});
