// Session routing through the Express mount (issue #18): two Express apps, each with its own
// Sockline server joined by an in-process router, behind a round-robin proxy without affinity. The
// fast lane (requests of open sessions skip Express when nothing precedes the mount) and the
// middleware path both forward to the session's owner.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Server as HttpServer } from "node:http";
import express from "express";
import { sockline } from "@sockline/express";
import { closeServer, exchangeBetweenTwoApps, routedEchoHandlers } from "@sockline/e2e/support";
import { appListen } from "./helpers.js";

describe("@sockline/express with a session router", () => {
  const servers: HttpServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await closeServer(server);
    }
  });

  for (const middlewareFirst of [false, true]) {
    it(`serves sessions across two apps (${middlewareFirst ? "a middleware before the mount" : "fast lane"})`, async () => {
      const seen = [0, 0];
      await exchangeBetweenTwoApps(async (router, index) => {
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
        return (server.address() as { port: number }).port;
      });
      if (middlewareFirst) assert.ok(seen[0]! > 0 && seen[1]! > 0, `the middleware ran on both apps (${seen.join(", ")})`);
    });
  }
});
