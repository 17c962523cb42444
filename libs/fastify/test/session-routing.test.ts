// Session routing through the Fastify plugin (issue #18): two Fastify apps, each with its own
// Sockline server joined by an in-process router, behind a round-robin proxy without affinity.
// The app's hooks run on the node that received each request, as they do without routing.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import {
  exchangeAcrossNodes,
  InProcessRouterHub,
  roundRobinHttpProxy,
  routedEchoHandlers,
  type InProcessRouter,
  type RoundRobinHttpProxy,
} from "@sockline/e2e/support";
import { listen } from "./helpers.js";

describe("@sockline/fastify with a session router", () => {
  const apps: FastifyInstance[] = [];
  let proxy: RoundRobinHttpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    for (const app of apps.splice(0)) await app.close();
  });

  for (const mode of ["pass", "relay"] as const) {
    it(`serves sessions across two apps, hooks on the receiving app (upgrades: ${mode})`, async () => {
      const hub = new InProcessRouterHub();
      const routers: InProcessRouter[] = [];
      const hooked = [0, 0];
      const ports: number[] = [];
      for (const [index, id] of ["a", "b"].entries()) {
        const router = hub.router(id, { upgrades: mode });
        routers.push(router);
        const app = Fastify();
        apps.push(app);
        app.addHook("onRequest", async (request) => {
          if (request.url.startsWith("/socket.io/")) hooked[index]!++;
        });
        await app.register(socketioPlugin, { sessionRouter: router });
        app.io.on("connection", routedEchoHandlers);
        ports.push(Number(new URL(await listen(app)).port));
      }
      proxy = await roundRobinHttpProxy(ports);
      const url = `http://127.0.0.1:${proxy.port}`;
      assert.equal(await exchangeAcrossNodes(url, ["polling"]), "polling");
      assert.equal(await exchangeAcrossNodes(url, ["polling", "websocket"]), "websocket");
      assert.ok(routers[0]!.counts.polls + routers[1]!.counts.polls > 0, "polls crossed apps");
      assert.ok(hooked[0]! > 0 && hooked[1]! > 0, `the hooks ran on both apps (${hooked.join(", ")})`);
    });
  }
});
