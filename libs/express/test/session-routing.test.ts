// Session routing through the Express mount (issue #18): two Express apps, each with its own
// Sockline server joined by an in-process router, behind a round-robin proxy without affinity. The
// fast lane (requests of open sessions skip Express when nothing precedes the mount) and the
// middleware path both forward to the session's owner.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Server as HttpServer } from "node:http";
import express from "express";
import { sockline } from "@sockline/express";
import {
  closeServer,
  exchangeAcrossNodes,
  InProcessRouterHub,
  roundRobinHttpProxy,
  routedEchoHandlers,
  type InProcessRouter,
  type RoundRobinHttpProxy,
} from "@sockline/e2e/support";
import { appListen } from "./helpers.js";

describe("@sockline/express with a session router", () => {
  const servers: HttpServer[] = [];
  let proxy: RoundRobinHttpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await closeServer(server);
    }
  });

  for (const middlewareFirst of [false, true]) {
    it(`serves sessions across two apps (${middlewareFirst ? "a middleware before the mount" : "fast lane"})`, async () => {
      const hub = new InProcessRouterHub();
      const routers: InProcessRouter[] = [];
      const seen = [0, 0];
      const ports: number[] = [];
      for (const [index, id] of ["a", "b"].entries()) {
        const router = hub.router(id);
        routers.push(router);
        const app = express();
        if (middlewareFirst)
          app.use((req, _res, next) => {
            if (req.url.startsWith("/socket.io/")) seen[index]!++;
            next();
          });
        const io = sockline(app, { sessionRouter: router });
        io.on("connection", routedEchoHandlers);
        const { server } = await appListen(app);
        servers.push(server);
        ports.push((server.address() as { port: number }).port);
      }
      proxy = await roundRobinHttpProxy(ports);
      const url = `http://127.0.0.1:${proxy.port}`;
      assert.equal(await exchangeAcrossNodes(url, ["polling"]), "polling");
      assert.equal(await exchangeAcrossNodes(url, ["polling", "websocket"]), "websocket");
      assert.ok(routers[0]!.counts.polls + routers[1]!.counts.polls > 0, "polls crossed apps");
      if (middlewareFirst) assert.ok(seen[0]! > 0 && seen[1]! > 0, `the middleware ran on both apps (${seen.join(", ")})`);
    });
  }
});
