import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { after, afterEach, before, describe, it } from "node:test";
import { Server } from "@sockline/core";
import {
  handOverUpgrade,
  isRoutingUpgrades,
  isUpgradeRequest,
  matchesEnginePath,
  mountGatewaysOnDemand,
  pendingUpgradeOf,
  resolveEnginePath,
  routeUpgrades,
  type UpgradeRoute,
} from "@sockline/core/integration";
import { collectGarbage } from "@sockline/e2e/support";
import { client, connected, MiniFramework, rawUpgrade, rawUpgradeUntilClose, WS_HANDSHAKE } from "./helpers.js";

describe("integration: engine path", () => {
  it("resolves the path under a prefix and matches like the engine", () => {
    const path = resolveEnginePath({ prefix: "/api/", path: "socket.io/" });
    assert.deepEqual(path, { full: "/api/socket.io", relative: "/socket.io", trailingSlash: true });
    assert.equal(matchesEnginePath("/api/socket.io/?EIO=4", path), true);
    assert.equal(matchesEnginePath("/api/socket.io?EIO=4", path), false);
    assert.equal(matchesEnginePath("/api/socket.iox/", path), false);
    assert.equal(matchesEnginePath(undefined, path), false);
    const bare = resolveEnginePath({ addTrailingSlash: false });
    assert.equal(bare.full, "/socket.io");
    assert.equal(matchesEnginePath("/socket.io?EIO=4", bare), true);
    // An Express sub-app mounted at /chat sees the raw URL with its mount path in front.
    assert.equal(matchesEnginePath("/chat/socket.io/?EIO=4", bare, "/chat/"), true);
    assert.equal(matchesEnginePath("/socket.io/?EIO=4", bare, "/chat"), false);
  });
});

describe("integration: upgrades through a framework", () => {
  let fw: MiniFramework;
  let url: string;
  before(async () => {
    fw = new MiniFramework();
    url = await fw.listen();
  });
  after(() => fw.close());
  afterEach(() => {
    fw.middlewares = [];
    fw.routeHeaders = {};
    fw.problems.length = 0;
  });

  it("an official client connects over websocket through the middleware; polling goes through too", async () => {
    const seen: string[] = [];
    fw.middlewares = [
      (req, _res, next) => {
        seen.push(pendingUpgradeOf(req) ? "upgrade" : "request");
        next();
      },
    ];
    const socket = client(url);
    try {
      await connected(socket);
      assert.deepEqual(seen, ["upgrade"]);
      const polling = await fetch(`${url}/rt/?EIO=4&transport=polling`);
      assert.equal(polling.status, 200);
      assert.match(await polling.text(), /^0\{"sid"/);
      assert.deepEqual(seen, ["upgrade", "request"]);
    } finally {
      socket.close();
    }
  });

  it("headers set on the way (middleware, writeHead hooks, the route) reach the 101 answer; handshake headers stay the engine's", async () => {
    fw.middlewares = [
      (_req, res, next) => {
        res.setHeader("X-Framework", "yes");
        res.setHeader("Set-Cookie", "framework=1");
        // Must not replace what the websocket handshake writes.
        res.setHeader("Connection", "keep-alive");
        res.setHeader("Sec-WebSocket-Accept", "forged");
        // Like express-session: add a header when the head is written.
        const writeHead = res.writeHead;
        res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
          this.setHeader("X-At-WriteHead", "hooked");
          return writeHead.apply(this, args);
        } as ServerResponse["writeHead"];
        next();
      },
    ];
    fw.routeHeaders = { "x-route": "engine", "cache-control": "public" };
    const answer = await rawUpgrade(url, WS_HANDSHAKE);
    assert.equal(answer.status, 101);
    assert.equal(answer.headers["x-framework"], "yes");
    assert.equal(answer.headers["x-at-writehead"], "hooked");
    assert.equal(answer.headers["x-route"], "engine");
    assert.deepEqual(answer.headers["set-cookie"], ["framework=1"]);
    assert.equal(answer.headers.connection, "Upgrade");
    assert.notEqual(answer.headers["sec-websocket-accept"], "forged");
    // The engine's own headers win over the framework's for the same name.
    assert.equal(answer.headers["cache-control"], "no-store");
  });

  it("a middleware that refuses answers on the socket, and the engine never sees the upgrade", async () => {
    fw.middlewares = [
      (req, res, next) => {
        if (req.headers.authorization === "Bearer ok") return next();
        res.writeHead(401, { "Content-Type": "text/plain" }).end("who are you?");
      },
    ];
    let sessions = 0;
    const count = (): void => void sessions++;
    fw.io.engine.on("connection", count);
    const refused = await rawUpgrade(url, WS_HANDSHAKE);
    fw.io.engine.off("connection", count);
    assert.equal(refused.status, 401);
    assert.equal(refused.body, "who are you?");
    assert.equal(refused.headers.connection, "close");
    assert.equal(sessions, 0);
    const accepted = await rawUpgrade(url, WS_HANDSHAKE, { Authorization: "Bearer ok" });
    assert.equal(accepted.status, 101);
  });

  it("a middleware that ends without a status does not pretend the upgrade succeeded", async () => {
    fw.middlewares = [(_req, res) => void res.end("done")];
    const answer = await rawUpgrade(url, WS_HANDSHAKE);
    assert.equal(answer.status, 400);
    assert.equal(answer.body, "done");
  });

  it("the engine still refuses a bad handshake after the framework let it through", async () => {
    const answer = await rawUpgrade(url, "/rt/?EIO=3&transport=websocket");
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: 5, message: "Unsupported protocol version" });
  });

  it("upgrades on other paths are served by the app as ordinary requests when nobody else listens (as Node does), then closed", async () => {
    const seen: string[] = [];
    fw.middlewares = [
      (req, _res, next) => {
        seen.push(`${req.url} ${pendingUpgradeOf(req) ? "pending" : "ordinary"}`);
        next();
      },
    ];
    const written = await rawUpgradeUntilClose(url, "/elsewhere/");
    assert.match(written, /^HTTP\/1\.1 404 /);
    assert.match(written, /\r\nConnection: close\r\n/i);
    assert.match(written, /not found$/);
    assert.deepEqual(seen, ["/elsewhere/ ordinary"]);
    assert.deepEqual(fw.problems, []);
  });

  it("upgrades on other paths are left to another upgrade listener when there is one", async () => {
    const others: string[] = [];
    const other = (req: IncomingMessage, socket: Duplex): void => {
      if (!req.url?.startsWith("/elsewhere")) return;
      others.push(req.url);
      socket.end("HTTP/1.1 418 I'm a teapot\r\nConnection: close\r\n\r\n");
    };
    fw.http.on("upgrade", other);
    const seen: string[] = [];
    fw.middlewares = [
      (req, _res, next) => {
        seen.push(req.url ?? "");
        next();
      },
    ];
    try {
      assert.match(await rawUpgradeUntilClose(url, "/elsewhere/"), /^HTTP\/1\.1 418 /);
      assert.deepEqual(others, ["/elsewhere/"]);
      assert.deepEqual(seen, [], "the app's request listener never saw it");
    } finally {
      fw.http.off("upgrade", other);
    }
  });

  it("a route dispatched twice (two listeners) hands the socket over once", async () => {
    // A second upgrade listener sending the same request through again must be harmless.
    const again = (req: IncomingMessage) => {
      const upgrade = pendingUpgradeOf(req);
      if (upgrade) setImmediate(() => assert.equal(handOverUpgrade(fw.io, req), true));
    };
    fw.http.on("upgrade", again);
    try {
      const socket = client(url);
      await connected(socket);
      socket.close();
    } finally {
      fw.http.off("upgrade", again);
    }
  });

  it("once handed over, nothing keeps the stand-in response alive; what the middleware set stays on the request", async () => {
    let standIn: WeakRef<ServerResponse> | undefined;
    fw.middlewares = [
      (req, res, next) => {
        if (pendingUpgradeOf(req) !== undefined) {
          standIn = new WeakRef(res);
          (req as IncomingMessage & { user?: string }).user = "ada";
        }
        next();
      },
    ];
    const request = new Promise<IncomingMessage>((resolve) => fw.io.once("connection", (socket) => resolve(socket.request)));
    const socket = client(url);
    try {
      await connected(socket);
      const upgraded = await request;
      assert.equal((upgraded as IncomingMessage & { user?: string }).user, "ada");
      assert.equal(pendingUpgradeOf(upgraded), undefined, "no longer pending");
      assert.equal(isUpgradeRequest(upgraded), true, "still known as an upgrade");
      assert.equal(handOverUpgrade(fw.io, upgraded), true, "a second hand-over does nothing");
      assert.ok(standIn, "the middleware saw the upgrade");
      await collectGarbage();
      assert.equal(standIn.deref(), undefined, "the stand-in response was collected while the connection is open");
      assert.equal(socket.connected, true);
    } finally {
      socket.close();
    }
  });

  it("handOverUpgrade() is false for a plain request", async () => {
    let answer: boolean | undefined;
    fw.middlewares = [
      (req, _res, next) => {
        answer = handOverUpgrade(fw.io, req);
        next();
      },
    ];
    const res = await fetch(`${url}/rt/?EIO=4&transport=polling`);
    await res.text();
    assert.equal(answer, false);
  });
});

describe("integration: upgrade timeout", () => {
  it("an upgrade stuck in the middleware is answered 408 and reported", async () => {
    const fw = new MiniFramework(50);
    const url = await fw.listen();
    try {
      fw.middlewares = [() => {}]; // never calls next(), never answers
      const answer = await rawUpgrade(url, WS_HANDSHAKE);
      assert.equal(answer.status, 408);
      assert.match(answer.body, /not handled within 50 ms/);
      assert.deepEqual(
        fw.problems.map((p) => p.kind),
        ["timeout"],
      );
      assert.equal(fw.io.engine.clientsCount, 0);
    } finally {
      await fw.close();
    }
  });

  it("a middleware that finishes after the timeout finds the upgrade already answered", async () => {
    const fw = new MiniFramework(50);
    const url = await fw.listen();
    let answeredWhenLate: boolean | undefined;
    let lateState: string | undefined;
    try {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      fw.middlewares = [
        (req, _res, next) => {
          const upgrade = pendingUpgradeOf(req)!;
          upgrade.response.once("finish", () => {
            lateState = upgrade.state;
            next(); // too late: the route runs handOverUpgrade on an answered upgrade
            release();
          });
        },
        (req, _res, next) => {
          answeredWhenLate = pendingUpgradeOf(req)?.state === "answered";
          next();
        },
      ];
      const answer = await rawUpgrade(url, WS_HANDSHAKE);
      await released;
      assert.equal(answer.status, 408);
      assert.equal(lateState, "answered");
      assert.equal(answeredWhenLate, true);
      assert.equal(fw.io.engine.clientsCount, 0);
    } finally {
      await fw.close();
    }
  });

  it("an upgrade on another path stuck in the app is answered 408 after the routes' bound", async () => {
    const fw = new MiniFramework(50);
    const url = await fw.listen();
    try {
      fw.middlewares = [() => {}]; // never calls next(), never answers
      const written = await rawUpgradeUntilClose(url, "/elsewhere/");
      assert.match(written, /^HTTP\/1\.1 408 /);
      assert.match(written, /not handled within 50 ms/);
    } finally {
      await fw.close();
    }
  });

  it("0 disables the bound", async () => {
    const fw = new MiniFramework(0);
    const url = await fw.listen();
    try {
      let proceed: (() => void) | undefined;
      fw.middlewares = [(_req, _res, next) => (proceed = next)];
      const answer = rawUpgrade(url, WS_HANDSHAKE);
      // Let the request wait in the middleware, then let it through: it still succeeds.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (proceed) resolve();
          else setTimeout(check, 5);
        };
        check();
      });
      proceed!();
      assert.equal((await answer).status, 101);
    } finally {
      await fw.close();
    }
  });
});

describe("integration: routing bookkeeping", () => {
  it("routeUpgrades() adds one listener per HTTP server and stop() removes it", () => {
    const http = createServer();
    const route: UpgradeRoute = { matches: () => true, dispatch: () => {} };
    const other: UpgradeRoute = { matches: () => false, dispatch: () => {} };
    const stop = routeUpgrades(http, route);
    const stopOther = routeUpgrades(http, other);
    routeUpgrades(http, route);
    assert.equal(http.listenerCount("upgrade"), 1);
    assert.equal(isRoutingUpgrades(http, route), true);
    stop();
    assert.equal(isRoutingUpgrades(http, route), false);
    assert.equal(http.listenerCount("upgrade"), 1);
    stopOther();
    assert.equal(http.listenerCount("upgrade"), 0);
  });
});

describe("integration: engine handleUpgrade headers option", () => {
  it("adds the headers to the 101 answer; Set-Cookie adds up with the engine's session cookie", async () => {
    const io = new Server({ path: "/rt", cookie: true });
    const http = createServer();
    http.on("upgrade", (req, socket, head) => {
      io.engine.handleUpgrade(req, socket, head, {
        headers: { "Set-Cookie": ["a=1", "b=2"], "X-Extra": 42, Upgrade: "nonsense", "Content-Type": "text/html" },
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const answer = await rawUpgrade(url, WS_HANDSHAKE);
      assert.equal(answer.status, 101);
      assert.equal(answer.headers["x-extra"], "42");
      assert.equal(answer.headers.upgrade, "websocket");
      assert.equal(answer.headers["content-type"], undefined);
      const cookies = answer.headers["set-cookie"] ?? [];
      assert.deepEqual(cookies.slice(0, 2), ["a=1", "b=2"]);
      assert.equal(cookies.length, 3);
      assert.match(cookies[2]!, /^io=/);
    } finally {
      await io.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});

describe("integration: gateways on demand", () => {
  // The core loads no package: the plugin hands over its loader (here stand-ins for
  // `() => import("@sockline/gateway")`; the real one is exercised by the plugins' gateway tests).
  it("calls the loader once per mount and wires through the loaded mountGateways with the factory", async () => {
    const io = new Server();
    const calls: unknown[][] = [];
    let loads = 0;
    const factory = (cls: abstract new (...args: any[]) => object) => ({ built: cls });
    try {
      const gateways = [class Some {}];
      await mountGatewaysOnDemand(io, gateways, {
        requiredBy: "@sockline/test",
        factory,
        load: async () => {
          loads++;
          return { mountGateways: async (...args: unknown[]) => void calls.push(args) };
        },
      });
      assert.equal(loads, 1);
      assert.deepEqual(calls, [[io, gateways, { factory }]]);
    } finally {
      await io.close();
    }
  });

  it("says which plugin needs @sockline/gateway when it cannot be loaded, with the loader's error as cause", async () => {
    const io = new Server();
    const missing = Object.assign(new Error("Cannot find package '@sockline/gateway'"), { code: "ERR_MODULE_NOT_FOUND" });
    try {
      await assert.rejects(
        mountGatewaysOnDemand(io, [class Some {}], { requiredBy: "@sockline/test", load: () => Promise.reject(missing) }),
        (error: Error) => {
          assert.match(
            error.message,
            /^@sockline\/test: the "gateways" option needs the optional peer dependency "@sockline\/gateway", which could not be loaded/,
          );
          assert.equal(error.cause, missing);
          return true;
        },
      );
    } finally {
      await io.close();
    }
  });

  it("refuses a loaded @sockline/gateway without mountGateways()", async () => {
    const io = new Server();
    try {
      await assert.rejects(
        mountGatewaysOnDemand(io, [class Some {}], { requiredBy: "@sockline/test", load: async () => ({}) }),
        /^Error: @sockline\/test: "@sockline\/gateway" was loaded but does not export mountGateways\(\)/,
      );
    } finally {
      await io.close();
    }
  });
});
