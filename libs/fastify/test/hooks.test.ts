import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { socketioPlugin } from "@sockline/fastify";
import { listen } from "./helpers.js";
import {
  connected,
  connectError,
  http,
  openClient,
  pollingHandshake,
  rawUpgrade,
  rawUpgradeStatus,
  upgradeThenReset,
} from "@sockline/e2e/support";

type AuthenticatedRequest = IncomingMessage & { user?: string };

describe("@sockline/fastify: onRequest hooks guard polling and upgrades", () => {
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    app = Fastify();
    // A typical authentication hook: it knows nothing about Socket.IO.
    app.addHook("onRequest", async (request, reply) => {
      const token = (request.query as Record<string, string | undefined>).token;
      if (token !== "secret") return reply.code(401).send({ error: "unauthenticated" });
      (request.raw as AuthenticatedRequest).user = "alice";
      reply.header("x-authenticated-as", "alice");
    });
    await app.register(socketioPlugin);
    app.io.on("connection", (socket) => {
      socket.emit("whoami", (socket.request as AuthenticatedRequest).user);
    });
    url = await listen(app);
  });
  after(() => app.close());

  it("refuses the polling handshake with the hook's status", async () => {
    const { response, open } = await pollingHandshake(url);
    assert.equal(response.status, 401);
    assert.equal(open, undefined);
    assert.deepEqual(await pollingHandshake(url).then((r) => JSON.parse(r.body)), { error: "unauthenticated" });
  });

  it("refuses the websocket upgrade with the hook's status", async () => {
    assert.equal(await rawUpgradeStatus(url), 401);
    assert.equal(await rawUpgradeStatus(url, "/socket.io/", "&token=secret"), 101);
  });

  it("refuses the official client on both transports without credentials", async () => {
    for (const transports of [["polling"], ["websocket"]] as const) {
      const socket = openClient(url, { transports: [...transports] });
      try {
        const err = await connectError(socket);
        assert.match(err.message, /poll error|websocket error/);
      } finally {
        socket.close();
      }
    }
  });

  it("keeps the headers hooks set, on polling answers and on the websocket handshake", async () => {
    const polling = await pollingHandshake(url, "/socket.io/", "&token=secret");
    assert.equal(polling.response.status, 200);
    assert.equal(polling.response.headers["x-authenticated-as"], "alice");
    const upgrade = await rawUpgrade(url, "/socket.io/", "&token=secret");
    assert.equal(upgrade.status, 101);
    assert.equal(upgrade.headers["x-authenticated-as"], "alice");
  });

  it("lets authenticated clients in, with what the hook set visible on socket.request", async () => {
    for (const transports of [["polling"], ["websocket"]] as const) {
      const socket = openClient(url, { transports: [...transports], query: { token: "secret" } });
      try {
        const whoami = new Promise((resolve) => socket.once("whoami", resolve));
        await connected(socket);
        assert.equal(await whoami, "alice");
      } finally {
        socket.close();
      }
    }
  });
});

describe("@sockline/fastify: preHandler hooks of an encapsulated context", () => {
  it("run for polling and upgrades of a plugin registered in that context only", async () => {
    const app = Fastify();
    await app.register(async (guarded) => {
      guarded.addHook("preHandler", async (request, reply) => {
        if (request.headers["x-role"] !== "admin") return reply.code(403).send({ error: "forbidden" });
      });
      await guarded.register(socketioPlugin, { path: "/admin-io" });
    });
    await app.register(async (open) => {
      await open.register(socketioPlugin, { path: "/public-io" });
    });
    const url = await listen(app);
    try {
      assert.equal((await pollingHandshake(url, "/admin-io/")).response.status, 403);
      assert.equal((await pollingHandshake(url, "/admin-io/", "", { "x-role": "admin" })).response.status, 200);
      assert.equal((await rawUpgrade(url, "/admin-io/")).status, 403);
      assert.equal((await rawUpgrade(url, "/admin-io/", "", { "x-role": "admin" })).status, 101);
      assert.equal((await pollingHandshake(url, "/public-io/")).response.status, 200);
      assert.equal((await rawUpgrade(url, "/public-io/")).status, 101);
    } finally {
      await app.close();
    }
  });
});

describe("@sockline/fastify: a client that resets during an upgrade", () => {
  it("does not disturb the server while a slow hook is still running", async () => {
    const app = Fastify();
    let releaseHook!: () => void;
    const hookReached = new Promise<void>((reached) => {
      app.addHook("onRequest", async (request) => {
        if (request.headers.upgrade === undefined || request.headers["x-fast"] !== undefined) return;
        reached();
        await new Promise<void>((release) => (releaseHook = release));
      });
    });
    await app.register(socketioPlugin);
    const url = await listen(app);
    try {
      await upgradeThenReset(url);
      await hookReached;
      releaseHook();
      // The server keeps serving polling and websockets.
      assert.equal((await pollingHandshake(url)).response.status, 200);
      assert.equal((await rawUpgrade(url, "/socket.io/", "", { "x-fast": "1" })).status, 101);
    } finally {
      await app.close();
    }
  });
});

describe("@sockline/fastify with @fastify/cors and @fastify/rate-limit", () => {
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    app = Fastify();
    await app.register(cors, { origin: "https://app.example" });
    await app.register(rateLimit, { max: 3, timeWindow: "1 hour" });
    await app.register(socketioPlugin);
    url = await listen(app);
  });
  after(() => app.close());

  it("answers the CORS preflight and adds the CORS headers to engine responses", async () => {
    const preflight = await http(`${url}/socket.io/?EIO=4&transport=polling`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers["access-control-allow-origin"], "https://app.example");

    const { response, open } = await pollingHandshake(url, "/socket.io/", "", { origin: "https://app.example" });
    assert.equal(response.status, 200);
    assert.ok(open?.sid);
    assert.equal(response.headers["access-control-allow-origin"], "https://app.example");
    assert.ok(response.headers["x-ratelimit-limit"], "rate-limit headers set by the hook are kept");
  });

  it("rate-limits engine requests like any other route", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await pollingHandshake(url)).response.status);
    assert.equal(statuses.at(-1), 429);
    assert.equal(await rawUpgradeStatus(url), 429);
  });
});

describe("@sockline/fastify: an upgrade stuck in a hook", () => {
  it("is answered 408 after upgradeRoutingTimeout, logged, and the server keeps serving", async () => {
    const warnings: string[] = [];
    const app = Fastify({
      logger: { level: "warn", stream: { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) } },
    });
    let releaseHook!: () => void;
    const hookFinished = new Promise<void>((finished) => {
      app.addHook("onRequest", async (request) => {
        if (request.headers.upgrade === undefined || request.headers["x-fast"] !== undefined) return;
        // Never finishes on its own: the upgrade must not wait for it forever.
        await new Promise<void>((release) => (releaseHook = release));
        finished();
      });
    });
    await app.register(socketioPlugin, { upgradeRoutingTimeout: 50 });
    const url = await listen(app);
    try {
      assert.equal(await rawUpgradeStatus(url), 408);
      // the timeout is a limit: its diagnostic is the warn line
      assert.ok(
        warnings.some((msg) => /upgradeRoutingTimeout.*\(upgrade refused \(408\)\)/.test(msg)),
        `expected a warning, got ${JSON.stringify(warnings)}`,
      );
      // The hook finishing late reaches the engine route, which leaves the answered upgrade alone.
      releaseHook();
      await hookFinished;
      assert.equal(app.io.engine.clientsCount, 0);
      assert.equal((await rawUpgrade(url, "/socket.io/", "", { "x-fast": "1" })).status, 101);
    } finally {
      await app.close();
    }
  });
});
