// The same mount on Express 4 (installed as the alias `express4`): the peer range promises both majors.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Server as HttpServer } from "node:http";
import session from "express-session";
import { sockline } from "@sockline/express";
import type { Server } from "@sockline/core";
import { appListen } from "./helpers.js";
import { closeServer, connected, http, openClient, waitUntil } from "@sockline/e2e/support";

// A specifier in a variable: the alias has no type declarations of its own; Express 4's API is the part of
// Express 5's that this test uses.
const EXPRESS_4 = "express4";
const express = ((await import(EXPRESS_4)) as { default: typeof import("express") }).default;

describe("@sockline/express on Express 4", () => {
  let io: Server;
  let server: HttpServer;
  let url: string;

  before(async () => {
    const app = express();
    app.use(session({ secret: "test", resave: false, saveUninitialized: false }));
    app.get("/login", (req, res) => {
      (req.session as unknown as { user: string }).user = "ann";
      res.send("ok");
    });
    io = sockline(app);
    io.on("connection", (socket) => {
      socket.on("whoami", (ack: (reply: unknown) => void) =>
        ack({
          user: (socket.request as unknown as { session?: { user?: string } }).session?.user ?? null,
          transport: socket.conn.transport.name,
        }),
      );
    });
    ({ server, url } = await appListen(app));
  });
  after(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await closeServer(server);
  });

  it("runs on Express 4 indeed", async () => {
    const { version } = ((await import(`${EXPRESS_4}/package.json`, { with: { type: "json" } })) as { default: { version: string } })
      .default;
    assert.match(version, /^4\./);
  });

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]] as const) {
    it(`shares the Express session with sockets (${transports.join(" then ")})`, async () => {
      const login = await http(`${url}/login`);
      const cookie = String(login.headers["set-cookie"]).split(";")[0]!;
      const socket = openClient(url, { transports: [...transports], extraHeaders: { cookie } });
      try {
        await connected(socket);
        if (transports.length === 2) await waitUntil(() => socket.io.engine.transport.name === "websocket", "the upgrade to websocket");
        assert.deepEqual(await socket.emitWithAck("whoami"), { user: "ann", transport: transports.at(-1) });
      } finally {
        socket.close();
      }
    });
  }
});
