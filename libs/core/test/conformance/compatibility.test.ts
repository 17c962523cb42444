// Details an application written for the reference reads or relies on: `engine.clients` as an
// object, the callable CommonJS export, every option of the `cors` package, the IE polling header,
// the exact shapes of error details, and the server options accepted without a word.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import WebSocket, { WebSocketServer } from "ws";
import type { ServerOptions } from "socket.io";
import { Harness, type ServerSocket } from "./helpers/harness.js";
import { IMPL, IMPLEMENTATIONS, loadServerClass, SOCKLINE_ONLY, startServer, type StartedServer } from "./helpers/impl.js";
import { joinedRaw, RawClient } from "./helpers/raw.js";
import { PollingSession, shortenReferenceCloseWait } from "./helpers/polling.js";
import { http, once, waitUntil } from "@sockline/e2e/support";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

/** The engine entry of each implementation: the reference's is the `engine.io` package. */
const ENGINE_ENTRY = { sockline: "@sockline/core/engine", reference: "engine.io" } as const;

describe(`[${IMPL}] compatibility: io.engine.clients is an object keyed by session id`, () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({}, "websocket");
  });
  after(() => h.close());

  it("clients[sid], sid in clients, Object.keys / values / entries, for...in, hasOwnProperty", async () => {
    const { socket: firstSocket } = await h.connect();
    const { client: second, socket: secondSocket } = await h.connect();
    // engine.io's types keep `clients` protected and a session's `id` private; the docs and user code read them
    const engine = h.io.engine as unknown as { clients: Record<string, unknown>; clientsCount: number };
    const clients = engine.clients;
    const first = { conn: firstSocket.conn as unknown as { id: string } };
    const secondConn = secondSocket.conn as unknown as { id: string };
    const sids = [first.conn.id, secondConn.id].sort();

    assert.equal(typeof clients, "object");
    assert.equal(clients instanceof Map, false);
    assert.deepEqual(Object.keys(clients).sort(), sids);
    assert.equal(clients[first.conn.id], first.conn);
    assert.ok(secondConn.id in clients);
    assert.ok(Object.hasOwn(clients, first.conn.id));
    // biome-ignore lint/suspicious/noPrototypeBuiltins: what is checked is that the prototype's methods are there
    assert.ok(clients.hasOwnProperty(first.conn.id), "the prototype's methods are there, as on a plain object");
    assert.equal(Object.values(clients).length, 2);
    assert.deepEqual(
      Object.entries(clients)
        .map(([sid]) => sid)
        .sort(),
      sids,
    );
    const enumerated: string[] = [];
    for (const sid in clients) enumerated.push(sid);
    assert.deepEqual(enumerated.sort(), sids);
    assert.equal(clients["no-such-sid"], undefined);
    assert.equal("no-such-sid" in clients, false);
    assert.equal(engine.clientsCount, 2);

    // a session opened after the read is there too
    const { client: third, socket: thirdSocket } = await h.connect();
    const thirdConn = thirdSocket.conn as unknown as { id: string };
    assert.equal(engine.clients[thirdConn.id], thirdConn);
    second.disconnect();
    third.disconnect();
    await waitUntil(
      () => !(secondConn.id in engine.clients) && !(thirdConn.id in engine.clients),
      "the closed sessions to leave engine.clients",
    );
    assert.deepEqual(Object.keys(engine.clients), [first.conn.id]);
    assert.equal(engine.clientsCount, 1);
  });
});

/** Runs a CommonJS script in a child Node (`require` resolves from the repository root) and parses what it printed. */
async function commonJs(source: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ["--input-type=commonjs", "-e", source, ...args], { cwd: root, timeout: 30_000 });
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

describe(`[${IMPL}] compatibility: the CommonJS entry points`, () => {
  it(`require("${IMPLEMENTATIONS[IMPL]}")(httpServer, opts) creates a server; Server, Namespace, Socket are its properties`, async () => {
    const out = await commonJs(
      `
      const spec = process.argv[1];
      const io = require(spec);
      const http = require("node:http");
      const out = { exported: typeof io, Server: typeof io.Server, Namespace: typeof io.Namespace, Socket: typeof io.Socket };
      const httpServer = http.createServer();
      const server = io(httpServer, { serveClient: false, path: "/rt" });
      out.instance = server instanceof io.Server;
      out.path = server.path();
      httpServer.listen(0, "127.0.0.1", () => {
        const url = "http://127.0.0.1:" + httpServer.address().port + "/rt/?EIO=4&transport=polling";
        http.get(url, { agent: false }, (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", async () => {
            out.handshake = res.statusCode + " " + body.slice(0, 8);
            const esm = await import(spec);
            out.sameServerClassForImport = esm.Server === io.Server;
            server.close(() => {
              console.log(JSON.stringify(out));
              process.exit(0);
            });
          });
        });
      });`,
      IMPLEMENTATIONS[IMPL],
    );
    assert.deepEqual(out, {
      exported: "function",
      Server: "function",
      Namespace: "function",
      Socket: "function",
      instance: true,
      path: "/rt",
      handshake: '200 0{"sid":',
      sameServerClassForImport: true,
    });
  });

  it(`require("${ENGINE_ENTRY[IMPL]}") is an object with Server, attach, listen (not callable, as engine.io)`, async () => {
    const out = await commonJs(
      `
      const engine = require(process.argv[1]);
      const server = new engine.Server({ pingInterval: 1000 });
      console.log(JSON.stringify({
        exported: typeof engine, Server: typeof engine.Server, attach: typeof engine.attach, listen: typeof engine.listen,
        pingInterval: server.opts.pingInterval, clients: typeof server.clients,
      }));
      server.close();`,
      ENGINE_ENTRY[IMPL],
    );
    assert.deepEqual(out, {
      exported: "object",
      Server: "function",
      attach: "function",
      listen: "function",
      pingInterval: 1000,
      clients: "object",
    });
  });
});

/** The CORS headers of one answer (status included), by lower-case name. */
const CORS_HEADERS = [
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-max-age",
  "access-control-expose-headers",
  "vary",
] as const;

function corsHeadersOf(status: number, headers: IncomingHttpHeaders): Record<string, unknown> {
  const picked: Record<string, unknown> = { status };
  for (const name of CORS_HEADERS) if (headers[name] !== undefined) picked[name] = headers[name];
  return picked;
}

interface CorsRequest {
  method?: "OPTIONS" | "GET";
  origin?: string;
  requestHeaders?: string;
}

/** One request (a preflight by default) to a server whose `cors` option is `cors`. */
async function corsAnswer(
  server: StartedServer,
  { method = "OPTIONS", origin, requestHeaders }: CorsRequest,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (origin !== undefined) headers.origin = origin;
  if (method === "OPTIONS") headers["access-control-request-method"] = "GET";
  if (requestHeaders !== undefined) headers["access-control-request-headers"] = requestHeaders;
  const answer = await http(`${server.url}/socket.io/?EIO=4&transport=polling`, { method, headers });
  return corsHeadersOf(answer.status, answer.headers);
}

describe(`[${IMPL}] compatibility: the cors option takes every option of the cors package`, () => {
  /** Starts a server with `cors`, asks `requests`, closes it. */
  async function answers(cors: NonNullable<ServerOptions["cors"]>, ...requests: CorsRequest[]): Promise<Record<string, unknown>[]> {
    const server = await startServer({ cors });
    try {
      const out: Record<string, unknown>[] = [];
      for (const request of requests) out.push(await corsAnswer(server, request));
      return out;
    } finally {
      await server.close();
    }
  }

  it("headers (the alias of allowedHeaders), exposedHeaders, credentials, maxAge, methods as an array", async () => {
    const [preflight, handshake] = await answers(
      {
        origin: "https://app.example",
        headers: ["x-token", "authorization"],
        exposedHeaders: ["x-trace", "x-version"],
        credentials: true,
        maxAge: 600,
        methods: ["GET", "POST"],
      } as NonNullable<ServerOptions["cors"]>,
      { origin: "https://app.example", requestHeaders: "x-other" },
      { method: "GET", origin: "https://app.example" },
    );
    assert.deepEqual(preflight, {
      status: 204,
      "access-control-allow-origin": "https://app.example",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET,POST",
      "access-control-allow-headers": "x-token,authorization",
      "access-control-max-age": "600",
      "access-control-expose-headers": "x-trace,x-version",
      vary: "Origin",
    });
    // an ordinary request: origin, credentials and exposed headers, nothing of the preflight's
    assert.deepEqual(handshake, {
      status: 200,
      "access-control-allow-origin": "https://app.example",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-trace,x-version",
      vary: "Origin",
    });
  });

  it("allowedHeaders wins over headers; a RegExp origin is reflected when it matches, never otherwise", async () => {
    const [matching, other] = await answers(
      { origin: /\.example$/, allowedHeaders: "x-a", headers: "x-b", maxAge: 0 } as NonNullable<ServerOptions["cors"]>,
      { origin: "https://one.example" },
      { origin: "https://evil.test" },
    );
    assert.deepEqual(matching, {
      status: 204,
      "access-control-allow-origin": "https://one.example",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
      "access-control-allow-headers": "x-a",
      "access-control-max-age": "0",
      vary: "Origin",
    });
    assert.deepEqual(other, {
      status: 204,
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
      "access-control-allow-headers": "x-a",
      "access-control-max-age": "0",
      vary: "Origin",
    });
  });

  it("without allowedHeaders the preflight's requested headers are reflected; an array origin; optionsSuccessStatus", async () => {
    const [reflected, none] = await answers(
      { origin: ["https://a.example", "https://b.example"], methods: "GET", optionsSuccessStatus: 200 },
      { origin: "https://b.example", requestHeaders: "x-foo, x-bar" },
      { origin: "https://a.example" },
    );
    assert.deepEqual(reflected, {
      status: 200,
      "access-control-allow-origin": "https://b.example",
      "access-control-allow-methods": "GET",
      "access-control-allow-headers": "x-foo, x-bar",
      vary: "Origin, Access-Control-Request-Headers",
    });
    assert.deepEqual(none, {
      status: 200,
      "access-control-allow-origin": "https://a.example",
      "access-control-allow-methods": "GET",
      vary: "Origin, Access-Control-Request-Headers",
    });
  });

  it("origin as a function; origin true reflects; origin false adds nothing", async () => {
    const [allowed, refused] = await answers(
      { origin: (origin, callback) => callback(null, origin === "https://ok.example") },
      { method: "GET", origin: "https://ok.example" },
      { method: "GET", origin: "https://no.example" },
    );
    assert.deepEqual(allowed, { status: 200, "access-control-allow-origin": "https://ok.example", vary: "Origin" });
    assert.deepEqual(refused, { status: 200 }, "a refused origin gets no CORS header at all");
    const [reflected] = await answers({ origin: true }, { method: "GET", origin: "https://any.example" });
    assert.deepEqual(reflected, { status: 200, "access-control-allow-origin": "https://any.example", vary: "Origin" });
    const [off] = await answers({ origin: false }, { method: "GET", origin: "https://any.example" });
    assert.deepEqual(off, { status: 200 });
  });

  it("an origin option present but undefined adds no CORS header (the cors package's merge of its defaults)", async () => {
    const [preflight] = await answers({ origin: undefined }, { origin: "https://any.example" });
    assert.equal(preflight!["access-control-allow-origin"], undefined);
  });

  it("preflightContinue: the headers are set and the request goes on to the engine (a handshake must be a GET: 400)", async () => {
    const [preflight] = await answers({ origin: "*", preflightContinue: true }, { origin: "https://any.example" });
    assert.deepEqual(preflight, {
      status: 400,
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
      vary: "Access-Control-Request-Headers",
    });
  });
});

describe(`[${IMPL}] compatibility: polling responses to Internet Explorer carry X-XSS-Protection: 0`, () => {
  let server: StartedServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const IE11 = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko";
  const IE10 = "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)";
  const IE8 = "Mozilla/4.0 (compatible;MSIE 8.0; Windows NT 5.1)"; // ";MSIE" without the space
  const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

  for (const [name, ua, expected] of [
    ["IE 11 (Trident/)", IE11, "0"],
    ["IE 10 (Trident/)", IE10, "0"],
    ["IE 8 (;MSIE)", IE8, "0"],
    ["Firefox", FIREFOX, undefined],
  ] as const) {
    it(`${name}: handshake GET, POST and poll`, async () => {
      const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
      const handshake = await http(base, { headers: { "user-agent": ua } });
      assert.equal(handshake.status, 200);
      assert.equal(handshake.headers["x-xss-protection"], expected, "handshake");
      const sid = (JSON.parse(handshake.body.slice(1)) as { sid: string }).sid;
      const post = await http(`${base}&sid=${sid}`, { method: "POST", body: "40", headers: { "user-agent": ua } });
      assert.equal(post.status, 200);
      assert.equal(post.headers["x-xss-protection"], expected, "POST");
      const poll = await http(`${base}&sid=${sid}`, { headers: { "user-agent": ua } });
      assert.match(poll.body, /^40/);
      assert.equal(poll.headers["x-xss-protection"], expected, "poll");
      await http(`${base}&sid=${sid}`, { method: "POST", body: "1" });
    });
  }
});

describe(`[${IMPL}] compatibility: error details`, () => {
  let h: Harness;
  const raws: RawClient[] = [];
  before(async () => {
    h = await Harness.start({}, "websocket");
  });
  after(async () => {
    for (const raw of raws) raw.close();
    await h.close();
  });

  it("connection_error reports context.protocol as a number (3 for EIO=3 or no EIO), over polling and websocket", async () => {
    const errors: { code: number; context: Record<string, unknown> }[] = [];
    const onError = (error: { code: number; context: Record<string, unknown> }) => errors.push(error);
    h.io.engine.on("connection_error", onError);
    try {
      assert.equal((await http(`${h.url}/socket.io/?EIO=3&transport=polling`)).status, 400);
      assert.equal((await http(`${h.url}/socket.io/?transport=polling`)).status, 400);
      // Sockline refuses the upgrade (400); the reference completes it, then writes its 400 on the
      // upgraded socket and destroys it. Either way, no session: the websocket ends.
      const ws = new WebSocket(`${h.url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
      ws.on("error", () => undefined);
      ws.on("unexpected-response", (_req, response) => {
        response.resume();
        ws.terminate();
      });
      await once(ws, "close", { what: "the EIO=3 websocket to end" });
      await waitUntil(() => errors.length === 3, "three connection_error events");
      assert.deepEqual(
        errors.map(({ code, context }) => ({ code, context })),
        [
          { code: 5, context: { protocol: 3 } },
          { code: 5, context: { protocol: 3 } },
          { code: 5, context: { protocol: 3 } },
        ],
      );
    } finally {
      h.io.engine.off("connection_error", onError);
    }
  });

  it("a request of an open session with another EIO: PROTOCOL_MISMATCH with protocol numbers", async () => {
    const errors: { code: number; context: Record<string, unknown> }[] = [];
    const onError = (error: { code: number; context: Record<string, unknown> }) => errors.push(error);
    h.io.engine.on("connection_error", onError);
    const session = await PollingSession.open(h.url);
    try {
      const refused = await http(`${h.url}/socket.io/?EIO=3&transport=polling&sid=${session.sid}`);
      assert.equal(refused.status, 400);
      await waitUntil(() => errors.length === 1, "the connection_error event");
      assert.deepEqual(errors[0]!.context, { name: "PROTOCOL_MISMATCH", protocol: 3, previousProtocol: 4 });
      assert.equal(errors[0]!.code, 3);
    } finally {
      h.io.engine.off("connection_error", onError);
      await session.post("1");
    }
  });

  it("an aborted poll closes the session with an Error as the description (the socket's disconnect gets it too)", async () => {
    const connection = once<[ServerSocket]>(h.io, "connection");
    const session = await PollingSession.open(h.url);
    assert.equal((await session.post("40")).status, 200);
    assert.match((await session.poll()).body, /^40\{"sid"/);
    const [socket] = await connection;
    shortenReferenceCloseWait(socket.conn);
    const engineClosed = once<[string, unknown]>(socket.conn, "close", { what: "the engine session to close" });
    const disconnected = once<[string, unknown]>(socket, "disconnect", { what: "the socket's disconnect" });

    const poll = httpRequest(`${h.url}/socket.io/?EIO=4&transport=polling&sid=${session.sid}`, { agent: false });
    poll.on("error", () => undefined);
    poll.end();
    await waitUntil(() => socket.conn.transport.writable, "the GET to be pending");
    poll.destroy();

    const [[reason, description], [socketReason, socketDescription]] = await Promise.all([engineClosed, disconnected]);
    assert.equal(reason, "transport error");
    assert.ok(description instanceof Error, `an Error, got ${typeof description}`);
    assert.equal(description.message, "poll connection closed prematurely");
    assert.equal((description as Error & { type?: unknown }).type, "TransportError");
    assert.equal(socketReason, "transport error");
    assert.equal(socketDescription, description);
  });

  it('an illegal attachment count: the socket\'s error listener gets "Illegal attachments", and the connection closes', async () => {
    for (const frame of ['45-["ev"]', '450-["ev"]', '45x-["ev"]']) {
      const { raw, socket } = await joinedRaw(h, raws);
      const error = once<[Error]>(socket, "error", { what: `the socket's error for ${frame}` });
      raw.sendText(frame);
      const [err] = await error;
      assert.equal(err.message, "Illegal attachments", frame);
      await raw.waitClosed(`the connection to close after ${frame}`);
    }
  });
});

describe(`[${IMPL}] compatibility: every option of the reference is accepted without a warning`, () => {
  it("new Server(opts) with all the reference's options (valid values): no process warning, and it serves", async () => {
    const Server = await loadServerClass();
    const parser = await import("socket.io-parser");
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const options = {
        path: "/socket.io",
        serveClient: false,
        parser,
        connectTimeout: 45_000,
        connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true },
        cleanupEmptyChildNamespaces: true,
        pingTimeout: 20_000,
        pingInterval: 25_000,
        upgradeTimeout: 10_000,
        maxHttpBufferSize: 1e6,
        allowRequest: (_req: unknown, callback: (err: string | null, ok: boolean) => void) => callback(null, true),
        transports: ["polling", "websocket"],
        allowUpgrades: true,
        perMessageDeflate: false,
        httpCompression: { threshold: 1024 },
        wsEngine: WebSocketServer,
        cookie: { name: "io", path: "/", httpOnly: true, sameSite: "lax", maxAge: 3600 },
        cors: {
          origin: "*",
          methods: ["GET", "POST"],
          allowedHeaders: ["x-a"],
          headers: ["x-b"],
          exposedHeaders: ["x-c"],
          credentials: false,
          maxAge: 60,
          preflightContinue: false,
          optionsSuccessStatus: 204,
        },
        allowEIO3: false,
        destroyUpgrade: true,
        destroyUpgradeTimeout: 1000,
        addTrailingSlash: true,
      } as unknown as Partial<ServerOptions>;
      const server = await startServer(options);
      try {
        const handshake = await http(`${server.url}/socket.io/?EIO=4&transport=polling`);
        assert.equal(handshake.status, 200);
        assert.match(handshake.headers["set-cookie"]?.[0] ?? "", /^io=/);
      } finally {
        await server.close();
      }
      // and the same options given to attach() later
      const io = new Server();
      const { createServer } = await import("node:http");
      io.attach(createServer(), options);
      await io.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
      );
    } finally {
      process.off("warning", onWarning);
    }
  });
});

/** Process warnings emitted while `body` runs (they are emitted on the next tick: one is awaited). */
async function warningsDuring(body: () => void | Promise<void>): Promise<(Error & { code?: string })[]> {
  const warnings: (Error & { code?: string })[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  try {
    await body();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  return warnings;
}

describe(`[${IMPL}] Sockline: unknown options warn, unsupported ones throw`, { skip: SOCKLINE_ONLY }, () => {
  type AnyOptions = Record<string, unknown>;
  async function construct(options: AnyOptions): Promise<void> {
    const Server = await loadServerClass();
    const io = new Server(options as Partial<ServerOptions>);
    await io.close();
  }

  it("a misspelt option: one SOCKLINE_UNKNOWN_OPTION warning naming it and the closest known name, once per process", async () => {
    const warnings = await warningsDuring(async () => {
      await construct({ connectionStateRecovry: {} });
      await construct({ connectionStateRecovry: {} });
    });
    assert.deepEqual(
      warnings.map((w) => [w.code, w.message]),
      [
        [
          "SOCKLINE_UNKNOWN_OPTION",
          '@sockline/core Server: unknown option "connectionStateRecovry", ignored. Did you mean "connectionStateRecovery"?',
        ],
      ],
    );
  });

  it("sub-options of cors, cookie and connectionStateRecovery are checked too; a name far from any gets no suggestion", async () => {
    const warnings = await warningsDuring(() =>
      construct({
        cors: { origin: "*", allowHeaders: ["x"] },
        cookie: { name: "io", httpOnyl: true },
        connectionStateRecovery: { maxDisconnectionDurration: 1000 },
        somethingElseEntirely: 1,
      }),
    );
    assert.deepEqual(
      warnings.map((w) => w.message.replace("@sockline/core Server: ", "")),
      [
        'unknown option "cors.allowHeaders", ignored. Did you mean "cors.allowedHeaders"?',
        'unknown option "cookie.httpOnyl", ignored. Did you mean "cookie.httpOnly"?',
        'unknown option "connectionStateRecovery.maxDisconnectionDurration", ignored. Did you mean "connectionStateRecovery.maxDisconnectionDuration"?',
        'unknown option "somethingElseEntirely", ignored.',
      ],
    );
  });

  it("Sockline's own options are known: no warning", async () => {
    const warnings = await warningsDuring(() =>
      construct({
        maxAttachments: 5,
        maxPayloadDepth: 50,
        attachmentTimeout: 5000,
        maxAttachmentBytes: 1e6,
        maxPendingAcks: 100,
        maxChildNamespaces: 10,
        maxBufferedBytes: 1e6,
        maxPacketsPerPayload: 100,
        connectionStateRecovery: { maxPackets: 10, maxSessions: 10 },
        cookie: { name: "sid", encode: (v: string) => v, partitioned: true, priority: "high" },
      }),
    );
    assert.deepEqual(warnings, []);
  });

  for (const [name, value, why] of [
    ["wsEngine", class Eiows {}, /the WebSocket server is always "ws"/],
    ["transports", ["polling", "websocket", "webtransport"], /WebTransport is not supported/],
  ] as const) {
    it(`${name}: ${typeof value === "function" ? "another engine" : JSON.stringify(value)} throws a TypeError naming the option and why`, async () => {
      const Server = await loadServerClass();
      assert.throws(
        () => new Server({ [name]: value } as Partial<ServerOptions>),
        (error: Error & { code?: string }) => {
          assert.ok(error instanceof TypeError);
          assert.equal(error.code, "SOCKLINE_UNSUPPORTED_OPTION");
          assert.match(error.message, new RegExp(`the option "${name}: `));
          assert.match(error.message, why);
          return true;
        },
      );
      // attach() with options checks them the same way
      const io = new Server();
      const { createServer } = await import("node:http");
      assert.throws(() => io.attach(createServer(), { [name]: value } as Partial<ServerOptions>), TypeError);
      await io.close();
    });
  }

  it("the engine entry (new EngineServer(opts)): the same checks for the engine's options", async () => {
    const { Server: EngineServer } = (await import(ENGINE_ENTRY.sockline)) as { Server: new (opts: AnyOptions) => { close(): void } };
    assert.throws(() => new EngineServer({ wsEngine: class Eiows {} }), /"wsEngine: \[function Eiows\]" is not supported/);
    // allowEIO3 is supported (protocol 3 clients, see eio3.test.ts): accepted both ways, no warning
    new EngineServer({ allowEIO3: true }).close();
    const warnings = await warningsDuring(() => {
      new EngineServer({ pingIntervall: 1000, maxBufferedBytes: 1e6, allowEIO3: false, cors: { headers: ["x"] } }).close();
    });
    assert.deepEqual(
      warnings.map((w) => [w.code, w.message]),
      [["SOCKLINE_UNKNOWN_OPTION", '@sockline/core/engine Server: unknown option "pingIntervall", ignored. Did you mean "pingInterval"?']],
    );
  });
});
