import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage, Server as HttpServer } from "node:http";
import express from "express";
import session from "express-session";
import cookieParser from "cookie-parser";
import { sockline } from "@sockline/express";
import type { Server } from "@sockline/core";
import { appListen } from "./helpers.js";
import {
  closeServer,
  collectGarbage,
  connected,
  connectError,
  http,
  openClient,
  pollingHandshake,
  rawUpgrade,
  rawUpgradeStatus,
  upgradeThenReset,
  type ClientSocket,
} from "@sockline/e2e/support";

declare module "express-session" {
  interface SessionData {
    user: string;
  }
}

type SessionRequest = IncomingMessage & { session?: session.Session & Partial<session.SessionData> };

describe("@sockline/express: middleware before the mount guards polling and upgrades", () => {
  let io: Server;
  let server: HttpServer;
  let url: string;

  before(async () => {
    const app = express();
    // A typical authentication middleware: it knows nothing about Socket.IO.
    app.use((req, res, next) => {
      if (req.headers.authorization !== "Bearer secret") {
        res.status(401).json({ error: "unauthenticated" });
        return;
      }
      next();
    });
    io = sockline(app);
    ({ server, url } = await appListen(app));
  });
  after(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await closeServer(server);
  });

  it("refuses the polling handshake and the upgrade with the middleware's status", async () => {
    const { response, open } = await pollingHandshake(url);
    assert.equal(response.status, 401);
    assert.equal(open, undefined);
    assert.deepEqual(JSON.parse(response.body), { error: "unauthenticated" });
    assert.equal(await rawUpgradeStatus(url), 401);
  });

  it("refuses the official client on both transports, and lets it in with credentials", async () => {
    for (const transport of ["polling", "websocket"]) {
      const refused = openClient(url, { transports: [transport] });
      try {
        assert.match((await connectError(refused)).message, /poll error|websocket error/);
      } finally {
        refused.close();
      }
      const allowed = openClient(url, { transports: [transport], extraHeaders: { authorization: "Bearer secret" } });
      try {
        await connected(allowed);
      } finally {
        allowed.close();
      }
    }
  });
});

describe("@sockline/express shares express-session with sockets", () => {
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
      const request = socket.request as SessionRequest;
      socket.emit("session", {
        user: request.session?.user ?? null,
        signedCookies: Object.keys((socket.request as { signedCookies?: object }).signedCookies ?? {}),
      });
    });
    ({ server, url } = await appListen(app));
  });
  after(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await closeServer(server);
  });

  async function login(user: string): Promise<string> {
    const response = await http(`${url}/login/${user}`, { method: "POST" });
    assert.equal(response.status, 200);
    const setCookie = response.headers["set-cookie"]?.[0];
    assert.ok(setCookie, "the login route sets the session cookie");
    return setCookie.split(";")[0]!;
  }

  for (const transport of ["polling", "websocket"]) {
    it(`exposes the session as socket.request.session over ${transport}`, async () => {
      const cookie = await login(`user-on-${transport}`);
      const socket = openClient(url, { transports: [transport], extraHeaders: { cookie } });
      try {
        const seen = new Promise((resolve) => socket.once("session", resolve));
        await connected(socket);
        assert.deepEqual(await seen, { user: `user-on-${transport}`, signedCookies: ["connect.sid"] });
      } finally {
        socket.close();
      }
    });
  }

  it("has no session for a client without the cookie", async () => {
    const socket = openClient(url, { transports: ["websocket"] });
    try {
      const seen = new Promise((resolve) => socket.once("session", resolve));
      await connected(socket);
      assert.deepEqual(await seen, { user: null, signedCookies: [] });
    } finally {
      socket.close();
    }
  });
});

describe("@sockline/express: a session started by the websocket handshake", () => {
  it("sends express-session's cookie on the 101 answer", async () => {
    const app = express();
    app.use(session({ secret: "cookie secret", resave: false, saveUninitialized: true }));
    const io = sockline(app);
    const { server, url } = await appListen(app);
    try {
      const upgrade = await rawUpgrade(url);
      assert.equal(upgrade.status, 101);
      assert.match(String(upgrade.headers["set-cookie"]), /^connect\.sid=s%3A/);
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });
});

describe("@sockline/express: a client that resets during an upgrade", () => {
  it("does not disturb the server while a slow middleware is still running", async () => {
    const app = express();
    let releaseMiddleware!: () => void;
    const middlewareReached = new Promise<void>((reached) => {
      app.use((req, _res, next) => {
        if (req.headers.upgrade === undefined || req.headers["x-fast"] !== undefined) return next();
        reached();
        new Promise<void>((release) => (releaseMiddleware = release)).then(() => next());
      });
    });
    const io = sockline(app);
    const { server, url } = await appListen(app);
    try {
      await upgradeThenReset(url);
      await middlewareReached;
      releaseMiddleware();
      assert.equal((await pollingHandshake(url)).response.status, 200);
      assert.equal((await rawUpgrade(url, "/socket.io/", "", { "x-fast": "1" })).status, 101);
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });
});

describe("@sockline/express: an upgrade stuck in a middleware", () => {
  it("is answered 408 after upgradeRoutingTimeout, and the server keeps serving", async () => {
    const app = express();
    let releaseMiddleware!: () => void;
    const middlewareFinished = new Promise<void>((finished) => {
      app.use((req, _res, next) => {
        if (req.headers.upgrade === undefined || req.headers["x-fast"] !== undefined) return next();
        // Never calls next() on its own: the upgrade must not wait for it forever.
        new Promise<void>((release) => (releaseMiddleware = release)).then(() => {
          next();
          finished();
        });
      });
    });
    const io = sockline(app, { upgradeRoutingTimeout: 50 });
    const { server, url } = await appListen(app);
    try {
      assert.equal((await rawUpgrade(url)).status, 408);
      // The middleware finishing late reaches the mount, which leaves the answered upgrade alone.
      releaseMiddleware();
      await middlewareFinished;
      assert.equal(io.engine.clientsCount, 0);
      assert.equal((await rawUpgrade(url, "/socket.io/", "", { "x-fast": "1" })).status, 101);
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });
});

describe("@sockline/express: what an upgraded request keeps for the life of the connection", () => {
  type UpgradedRequest = SessionRequest & { user?: string; res?: unknown; next?: unknown };

  it("keeps the session express-session set; req.res and the router's next() are released", async () => {
    const app = express();
    app.use(session({ secret: "cookie secret", resave: false, saveUninitialized: false }));
    app.post("/login/:user", (req, res) => {
      req.session.user = req.params.user;
      res.send("logged in");
    });
    const io = sockline(app);
    const request = new Promise<UpgradedRequest>((resolve) =>
      io.once("connection", (socket) => resolve(socket.request as UpgradedRequest)),
    );
    const { server, url } = await appListen(app);
    let socket: ClientSocket | undefined;
    try {
      const login = await http(`${url}/login/ada`, { method: "POST" });
      const cookie = login.headers["set-cookie"]?.[0]?.split(";")[0];
      assert.ok(cookie, "the login route sets the session cookie");
      socket = openClient(url, { transports: ["websocket"], extraHeaders: { cookie } });
      await connected(socket);
      const upgraded = await request;
      assert.equal(upgraded.session?.user, "ada");
      assert.equal(upgraded.res, undefined, "req.res no longer leads to the stand-in response");
      assert.equal(upgraded.next, undefined, "the router's next() (which holds the response) is released");
      assert.equal(socket.connected, true);
    } finally {
      socket?.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });

  it("lets the stand-in response be collected while the connection is open; what the middleware set stays", async () => {
    let standIn: WeakRef<object> | undefined;
    const app = express();
    app.use((req, res, next) => {
      if (req.headers.upgrade === "websocket") {
        standIn = new WeakRef(res);
        (req as UpgradedRequest).user = "ada";
      }
      next();
    });
    const io = sockline(app);
    const request = new Promise<UpgradedRequest>((resolve) =>
      io.once("connection", (socket) => resolve(socket.request as UpgradedRequest)),
    );
    const { server, url } = await appListen(app);
    const socket = openClient(url, { transports: ["websocket"] });
    try {
      await connected(socket);
      const upgraded = await request;
      assert.equal(upgraded.user, "ada");
      assert.ok(standIn, "the middleware saw the upgrade");
      await collectGarbage();
      assert.equal(standIn.deref(), undefined, "the stand-in response was collected");
      assert.equal(socket.connected, true);
    } finally {
      socket.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server);
    }
  });
});
