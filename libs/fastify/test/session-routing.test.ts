// Session routing through the Fastify plugin (issue #18): two Fastify apps, each with its own
// Sockline server joined by an in-process router, behind a round-robin proxy without affinity.
// The app's hooks run on the node that received each request, as they do without routing.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import { exchangeBetweenTwoApps, routedEchoHandlers } from "@sockline/e2e/support";
import { listen } from "./helpers.js";

describe("@sockline/fastify with a session router", () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  for (const mode of ["pass", "relay"] as const) {
    it(`serves sessions across two apps, hooks on the receiving app (upgrades: ${mode})`, async () => {
      const hooked = [0, 0];
      await exchangeBetweenTwoApps(
        async (router, index) => {
          const app = Fastify();
          apps.push(app);
          app.addHook("onRequest", async (request) => {
            if (request.url.startsWith("/socket.io/")) hooked[index]!++;
          });
          await app.register(socketioPlugin, { sessionRouter: router });
          app.io.on("connection", routedEchoHandlers);
          return Number(new URL(await listen(app)).port);
        },
        { upgrades: mode },
      );
      assert.ok(hooked[0]! > 0 && hooked[1]! > 0, `the hooks ran on both apps (${hooked.join(", ")})`);
    });
  }
});
