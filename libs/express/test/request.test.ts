// expressRequest(socket): the typed way from a socket to the Express request its handshake went through
// (session, signed cookies...), over both transports, and a clear error where there is no such request.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import express from "express";
import session from "express-session";
import cookieParser from "cookie-parser";
import { expressRequest, sockline } from "@sockline/express";
import { Server } from "@sockline/core";
import { appListen } from "./helpers.js";
import { closeServer, connected, http, listen, openClient } from "@sockline/e2e/support";

declare module "express-session" {
  interface SessionData {
    user: string;
  }
}

describe("expressRequest(socket)", () => {
  let io: Server;
  let server: HttpServer;
  let url: string;

  before(async () => {
    const app = express();
    app.use(cookieParser("cookie secret"));
    app.use(session({ secret: "cookie secret", resave: false, saveUninitialized: false }));
    app.post("/login/:user", (req, res) => {
      req.session.user = req.params.user;
      res.send("logged in");
    });
    io = sockline(app);
    io.on("connection", (socket) => {
      // No cast: the session and the signed cookies are typed by express-session's and cookie-parser's typings.
      const request = expressRequest(socket);
      socket.on("whoami", (ack: (reply: unknown) => void) =>
        ack({
          user: request.session.user ?? null,
          signedCookies: Object.keys(request.signedCookies),
          sameObject: request === socket.request,
          path: request.path,
        }),
      );
    });
    ({ server, url } = await appListen(app));
  });
  after(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await closeServer(server);
  });

  for (const transport of ["polling", "websocket"]) {
    it(`returns socket.request with the middleware's state, over ${transport}`, async () => {
      const login = await http(`${url}/login/ann-${transport}`, { method: "POST" });
      const cookie = String(login.headers["set-cookie"]).split(";")[0]!;
      const socket = openClient(url, { transports: [transport], extraHeaders: { cookie } });
      try {
        await connected(socket);
        assert.deepEqual(await socket.emitWithAck("whoami"), {
          user: `ann-${transport}`,
          signedCookies: ["connect.sid"],
          sameObject: true,
          path: "/socket.io/",
        });
      } finally {
        socket.close();
      }
    });
  }

  it("throws a TypeError naming the cause for a socket of a server not mounted on Express", async () => {
    const httpServer = createServer();
    const bare = new Server(httpServer);
    const caught = new Promise<unknown>((resolve) =>
      bare.on("connection", (socket) => {
        try {
          expressRequest(socket);
          resolve(undefined);
        } catch (error) {
          resolve(error);
        }
      }),
    );
    const socket = openClient(await listen(httpServer), { transports: ["websocket"] });
    try {
      await connected(socket);
      const error = await caught;
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /did not go through an Express app \(mount the server with sockline\(app\)\)/);
    } finally {
      socket.close();
      await new Promise<void>((resolve) => bare.close(() => resolve())); // closes httpServer too
    }
  });
});
