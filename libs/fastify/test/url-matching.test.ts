// Which request targets reach the engine: exactly those whose raw URL starts with the engine path,
// as the reference's attach() decides (a raw prefix test on req.url), with one rule for polling and
// for websocket upgrades. Everything else is Fastify's ordinary 404, with the ordinary hooks. The
// targets are sent on raw TCP connections: fetch and ws would normalize them first.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { socketioPlugin } from "@sockline/fastify";
import { listen, rawRequest } from "./helpers.js";
import { connected, openClient, parseOpenPacket } from "@sockline/e2e/support";

const TRANSPORTS = ["polling", "websocket"] as const;
type Transport = (typeof TRANSPORTS)[number];

/** Request targets that a decoding / normalizing router could take for the engine path, but whose raw URL is not under it. */
const NOT_THE_ENGINE_PATH = [
  "/%73ocket.io/", // percent-encoded letter
  "/%73%6F%63%6B%65%74%2E%69%6F/", // all of it encoded
  "/socket.io%2F", // encoded slash
  "/socket.io%2f",
  "/x/../socket.io/", // dot segments
  "/./socket.io/",
  "//socket.io/", // double slash
  "/SOCKET.IO/", // upper case
  "/Socket.IO/",
  "/socket.io", // the bare path, while addTrailingSlash is on (the default)
  "/socket.io;a=b/",
  "http://evil.example/socket.io/", // absolute-form targets
  "http://127.0.0.1/socket.io/",
];

/** Raw URLs under the engine path that a router would see as something else: the reference serves them. */
const UNDER_THE_ENGINE_PATH = ["/socket.io/", "/socket.io//", "/socket.io/../", "/socket.io/%2F", "/socket.io/x/y"];

function handshake(target: string, transport: Transport, query = "") {
  return `${target}?EIO=4&transport=${transport}${query}`;
}

function send(url: string, target: string, transport: Transport) {
  return rawRequest(url, target, { upgrade: transport === "websocket" });
}

function assertServedByTheEngine(answer: { status: number; body: string }, target: string, transport: Transport): void {
  if (transport === "websocket") assert.equal(answer.status, 101, `${target} over websocket: ${answer.status} ${answer.body}`);
  else {
    assert.equal(answer.status, 200, `${target} over polling: ${answer.status} ${answer.body}`);
    assert.ok(parseOpenPacket(answer.body), `${target} over polling answers an open packet`);
  }
}

/** Fastify's own not-found answer: its JSON body names the raw target. */
function assertFastify404(answer: { status: number; body: string }, target: string, transport: Transport): void {
  assert.equal(answer.status, 404, `${target} over ${transport}: ${answer.status} ${answer.body}`);
  const body = JSON.parse(answer.body) as { statusCode: number; error: string; message: string };
  assert.equal(body.statusCode, 404);
  assert.equal(body.error, "Not Found");
  assert.equal(body.message, `Route GET:${target} not found`);
}

/** Counts the engine sessions opened while `run` runs. */
async function countSessions(app: Pick<FastifyInstance, "io">, run: () => Promise<void>): Promise<number> {
  let sessions = 0;
  const count = (): void => void sessions++;
  const { engine } = app.io;
  engine.on("connection", count);
  try {
    await run();
  } finally {
    engine.off("connection", count);
  }
  return sessions;
}

describe("@sockline/fastify: the engine serves raw URLs under its path only, on both transports", () => {
  let app: FastifyInstance;
  let url: string;
  const seenByGlobalHook: string[] = [];

  before(async () => {
    app = Fastify();
    app.addHook("onRequest", async (request) => {
      seenByGlobalHook.push(`${request.raw.headers.upgrade ? "websocket" : "polling"} ${request.url}`);
    });
    await app.register(socketioPlugin);
    app.get("/hello/:name", async (request) => ({ hello: (request.params as { name: string }).name }));
    url = await listen(app);
  });
  after(() => app.close());

  for (const target of NOT_THE_ENGINE_PATH) {
    it(`${target}: an ordinary Fastify 404 on both transports, seen by the global hook, no session`, async () => {
      seenByGlobalHook.length = 0;
      const sessions = await countSessions(app, async () => {
        for (const transport of TRANSPORTS)
          assertFastify404(await send(url, handshake(target, transport), transport), handshake(target, transport), transport);
      });
      assert.equal(sessions, 0);
      assert.deepEqual(
        seenByGlobalHook,
        TRANSPORTS.map((transport) => `${transport} ${handshake(target, transport)}`),
      );
    });
  }

  for (const target of UNDER_THE_ENGINE_PATH) {
    it(`${target}: served by the engine on both transports`, async () => {
      const sessions = await countSessions(app, async () => {
        for (const transport of TRANSPORTS)
          assertServedByTheEngine(await send(url, handshake(target, transport), transport), target, transport);
      });
      assert.equal(sessions, 2);
    });
  }

  it("a session opened on the engine path cannot be driven through a look-alike URL", async () => {
    const open = parseOpenPacket((await rawRequest(url, handshake("/socket.io/", "polling"))).body);
    assert.ok(open);
    const joined: string[] = [];
    app.io.on("connection", (socket) => joined.push(socket.id));
    try {
      for (const target of ["/%73ocket.io/", "http://evil.example/socket.io/"]) {
        const post = await rawRequest(url, handshake(target, "polling", `&sid=${open.sid}`), { body: "40" });
        assert.equal(post.status, 404, `POST ${target}: ${post.status} ${post.body}`);
      }
      assert.deepEqual(joined, [], "nobody joined a namespace");
      const post = await rawRequest(url, handshake("/socket.io/", "polling", `&sid=${open.sid}`), { body: "40" });
      assert.equal(post.status, 200);
      assert.equal(post.body, "ok");
    } finally {
      app.io.removeAllListeners("connection");
      app.io.engine.clients[open.sid]?.close();
    }
  });

  it("leaves the app's own routes matched as Fastify matches them (decoded)", async () => {
    const answer = await rawRequest(url, "/hello/%61da");
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { hello: "ada" });
  });
});

describe("@sockline/fastify: a hook scoped by req.url guards every URL the engine serves", () => {
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    app = Fastify();
    // The way Fastify users scope a check to the Socket.IO path.
    app.addHook("onRequest", async (req, reply) => {
      const authed = (req.query as Record<string, string | undefined>).token === "secret";
      if (req.url.startsWith("/socket.io") && !authed) return reply.code(401).send({ error: "unauthenticated" });
    });
    await app.register(socketioPlugin);
    url = await listen(app);
  });
  after(() => app.close());

  it("refuses the engine path without the token, serves it with the token, on both transports", async () => {
    for (const target of UNDER_THE_ENGINE_PATH) {
      for (const transport of TRANSPORTS) {
        assert.equal(
          (await send(url, handshake(target, transport), transport)).status,
          401,
          `${target} over ${transport} without the token`,
        );
        assertServedByTheEngine(await send(url, handshake(target, transport, "&token=secret"), transport), target, transport);
      }
    }
  });

  it("look-alike URLs never reach the engine: the hook's 401 if they look like its prefix, else a 404, on both transports", async () => {
    const sessions = await countSessions(app, async () => {
      for (const target of NOT_THE_ENGINE_PATH) {
        for (const transport of TRANSPORTS) {
          const answer = await send(url, handshake(target, transport), transport);
          if (target.startsWith("/socket.io")) assert.equal(answer.status, 401, `${target} over ${transport}`);
          else assertFastify404(answer, handshake(target, transport), transport);
          // With the token the hook lets them through: still not the engine's.
          const withToken = handshake(target, transport, "&token=secret");
          assertFastify404(await send(url, withToken, transport), withToken, transport);
        }
      }
    });
    assert.equal(sessions, 0);
  });

  it("the official client connects with the token on both transports", async () => {
    for (const transport of TRANSPORTS) {
      const socket = openClient(url, { transports: [transport], query: { token: "secret" } });
      try {
        await connected(socket);
      } finally {
        socket.close();
      }
    }
  });
});

describe("@sockline/fastify: router options that widen Fastify's matching do not widen the engine's", () => {
  let app: FastifyInstance;
  let url: string;
  const notFoundSeen: string[] = [];
  let mounted!: Pick<FastifyInstance, "io">;

  before(async () => {
    app = Fastify({ routerOptions: { ignoreDuplicateSlashes: true, caseSensitive: false, ignoreTrailingSlash: true } });
    app.setNotFoundHandler((request, reply) => {
      notFoundSeen.push(request.url);
      return reply.code(404).send({ custom: true });
    });
    await app.register(
      async (api) => {
        await api.register(socketioPlugin);
        mounted = api;
      },
      { prefix: "/api" },
    );
    url = await listen(app);
  });
  after(() => app.close());

  it("serves /api/socket.io/ only; case, duplicate slashes, the bare path and encodings go to the app's 404 handler", async () => {
    const lookAlikes = [
      "//api/socket.io/",
      "/api//socket.io/",
      "/API/SOCKET.IO/",
      "/api/Socket.io/",
      "/api/socket.io",
      "/api/%73ocket.io/",
      "/%61pi/socket.io/",
      "/socket.io/",
    ];
    const sessions = await countSessions(mounted, async () => {
      for (const target of lookAlikes) {
        for (const transport of TRANSPORTS) {
          const answer = await send(url, handshake(target, transport), transport);
          assert.equal(answer.status, 404, `${target} over ${transport}: ${answer.status} ${answer.body}`);
          assert.deepEqual(JSON.parse(answer.body), { custom: true });
        }
      }
    });
    assert.equal(sessions, 0);
    assert.equal(notFoundSeen.length, lookAlikes.length * TRANSPORTS.length);
    for (const transport of TRANSPORTS)
      assertServedByTheEngine(await send(url, handshake("/api/socket.io/", transport), transport), "/api/socket.io/", transport);
  });
});
