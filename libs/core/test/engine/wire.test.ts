/** Protocol-level checks with raw fetch and ws: the exact bytes, statuses and close reasons. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { gunzipSync } from "node:zlib";
import { Server, type ConnectionError, type Diagnostic } from "@sockline/core/engine";
import {
  assertServerHealthy,
  closed,
  nextConnection,
  nextMessage,
  openClient,
  poll,
  pollingHandshake,
  post,
  rawWebSocket,
  startServer,
  type TestServer,
} from "./helpers.js";
import { sleep } from "@sockline/e2e/support";

function nextConnectionError(engine: Server): Promise<ConnectionError> {
  return new Promise((resolve) => engine.once("connection_error", resolve));
}

/** Raw upgrade request; resolves with the status line and headers of the answer. */
function rawUpgrade(
  server: TestServer,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), head, body });
    });
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
    );
    // a successful upgrade never closes by itself: stop reading after the 101
    socket.on("data", () => {
      if (data.startsWith("HTTP/1.1 101") && data.includes("\r\n\r\n")) socket.destroy();
    });
  });
}

describe("handshake and open packet", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 5000 });
  });
  after(() => server.close());

  it("polling handshake: open packet fields and values", async () => {
    const { open, res } = await pollingHandshake(server);
    assert.match(open.sid, /^[A-Za-z0-9_-]{20}$/);
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 300);
    assert.equal(open.pingTimeout, 200);
    assert.equal(open.maxPayload, 5000);
    assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.equal(res.headers.get("access-control-allow-origin"), null, "no CORS header unless configured");
    assert.equal(server.engine.clientsCount >= 1, true);
  });

  it("websocket handshake: open packet first, no upgrades", async () => {
    const ws = await rawWebSocket(server);
    const first = await nextMessage(ws);
    assert.equal(typeof first, "string");
    const open = JSON.parse((first as string).slice(1));
    assert.equal((first as string)[0], "0");
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.maxPayload, 5000);
    ws.close();
    await closed(ws);
  });

  it("default options are the reference ones", () => {
    const engine = new Server();
    assert.equal(engine.opts.pingInterval, 25000);
    assert.equal(engine.opts.pingTimeout, 20000);
    assert.equal(engine.opts.upgradeTimeout, 10000);
    assert.equal(engine.opts.maxHttpBufferSize, 1e6);
    assert.deepEqual(engine.opts.transports, ["polling", "websocket"]);
    assert.equal(engine.opts.allowUpgrades, true);
    assert.equal(engine.opts.perMessageDeflate, false);
    assert.deepEqual(engine.opts.httpCompression, { threshold: 1024 });
    assert.equal(engine.opts.cookie, false);
    assert.equal(engine.opts.cors, false);
    assert.equal(engine.opts.path, "/engine.io");
    assert.equal(engine.opts.addTrailingSlash, true);
    assert.equal(engine.opts.destroyUpgrade, true);
    assert.equal(engine.opts.destroyUpgradeTimeout, 1000);
    engine.close();
  });
});

describe("heartbeat", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ pingInterval: 100, pingTimeout: 150 });
  });
  after(() => server.close());

  it("pings every pingInterval; answered pongs keep the session", async () => {
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    await nextMessage(ws); // open
    const s = await session;
    let heartbeats = 0;
    s.on("heartbeat", () => heartbeats++);
    for (let i = 0; i < 3; i++) {
      assert.equal(await nextMessage(ws), "2");
      ws.send("3");
    }
    await sleep(20);
    assert.equal(heartbeats, 3);
    assert.equal(s.readyState, "open");
    ws.close();
    await closed(ws);
  });

  it('closes with "ping timeout" when no pong comes', async () => {
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    const s = await session;
    const reason = await new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
    assert.equal(reason, "ping timeout");
    await closed(ws);
  });

  it('polling: a session without pongs closes with "ping timeout" and the pending GET gets the close packet', async () => {
    const session = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const s = await session;
    const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
    const first = await (await poll(server, open.sid)).text();
    assert.equal(first, "2");
    const second = await (await poll(server, open.sid)).text();
    assert.equal(second, "1");
    assert.equal(await reason, "ping timeout");
  });
});

describe("error codes", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ allowRequest: (req, cb) => cb(req.headers["x-deny"] ? "denied by test" : null, !req.headers["x-deny"]) });
  });
  after(() => server.close());

  const cases: [string, string, RequestInit, number, number, string][] = [
    ["unknown transport", "?EIO=4&transport=carrier-pigeon", {}, 400, 0, "Transport unknown"],
    ["unknown sid", "?EIO=4&transport=polling&sid=nope", {}, 400, 1, "Session ID unknown"],
    ["handshake with POST", "?EIO=4&transport=polling", { method: "POST", body: "40" }, 400, 2, "Bad handshake method"],
    ["websocket handshake over plain GET", "?EIO=4&transport=websocket", {}, 400, 3, "Bad request"],
    ["allowRequest refuses", "?EIO=4&transport=polling", { headers: { "x-deny": "1" } }, 403, 4, "denied by test"],
    ["protocol 3", "?EIO=3&transport=polling", {}, 400, 5, "Unsupported protocol version"],
    ["no protocol", "?transport=polling", {}, 400, 5, "Unsupported protocol version"],
  ];
  for (const [name, query, init, status, code, message] of cases) {
    it(`${name}: ${status} code ${code}, connection_error emitted`, async () => {
      const errorP = nextConnectionError(server.engine);
      const res = await fetch(server.url + query, init);
      assert.equal(res.status, status);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), { code, message });
      const error = await errorP;
      assert.equal(error.code, code);
      assert.equal(error.message, Server.errorMessages[code as 0]);
      assert.ok(error.req.url?.includes("transport="));
      assert.equal(typeof error.context, "object");
    });
  }

  it("upgrade refused with the error code (unknown sid, protocol 3, forbidden)", async () => {
    const unknown = await rawUpgrade(server, "/engine.io/?EIO=4&transport=websocket&sid=nope");
    assert.equal(unknown.status, 400);
    assert.deepEqual(JSON.parse(unknown.body), { code: 1, message: "Session ID unknown" });
    const v3 = await rawUpgrade(server, "/engine.io/?EIO=3&transport=websocket");
    assert.equal(v3.status, 400);
    assert.equal(JSON.parse(v3.body).code, 5);
    const forbidden = await rawUpgrade(server, "/engine.io/?EIO=4&transport=websocket", { "x-deny": "1" });
    assert.equal(forbidden.status, 403);
    assert.equal(JSON.parse(forbidden.body).code, 4);
  });

  it("exposes the codes and messages", () => {
    assert.deepEqual(Server.errors, {
      UNKNOWN_TRANSPORT: 0,
      UNKNOWN_SID: 1,
      BAD_HANDSHAKE_METHOD: 2,
      BAD_REQUEST: 3,
      FORBIDDEN: 4,
      UNSUPPORTED_PROTOCOL_VERSION: 5,
    });
  });
});

describe("polling limits and misuse", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ maxHttpBufferSize: 1000 });
  });
  after(() => server.close());

  it("a payload of several packets (text and b64 binary) is delivered in order", async () => {
    const session = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const s = await session;
    const got: unknown[] = [];
    s.on("message", (d) => got.push(d));
    const res = await post(server, open.sid, "4one\x1ebAQID\x1e4two");
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
    assert.equal(got.length, 3);
    assert.equal(got[0], "one");
    assert.deepEqual([...(got[1] as Buffer)], [1, 2, 3]);
    assert.equal(got[2], "two");
    s.send("x");
    s.send(Buffer.from([4, 5]));
    // ArrayBuffer and typed array views (with an offset) are binary too
    s.send(Uint8Array.from([4, 5]).buffer);
    s.send(new Uint8Array(Uint8Array.from([9, 4, 5, 9]).buffer, 1, 2));
    assert.equal(await (await poll(server, open.sid)).text(), "4x\x1ebBAU=\x1ebBAU=\x1ebBAU=");
    s.close();
  });

  it("oversized POST (declared length): 413 without reading the body", async () => {
    const { open } = await pollingHandshake(server);
    const res = await post(server, open.sid, "4" + "a".repeat(5000));
    assert.equal(res.status, 413);
    await assertServerHealthy(server, "polling");
  });

  it("oversized chunked POST: 413 once the limit is crossed, the rest is not buffered", async () => {
    const { open } = await pollingHandshake(server);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}?EIO=4&transport=polling&sid=${open.sid}`,
        { method: "POST", headers: { "Content-Type": "text/plain" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on("error", () => {});
      req.write("4" + "a".repeat(800));
      setTimeout(() => req.write("a".repeat(800)), 20);
      // keep streaming: the server must answer without waiting for the end
      const more = setInterval(() => (req.destroyed ? clearInterval(more) : req.write("a".repeat(800))), 20);
      req.on("close", () => clearInterval(more));
      setTimeout(() => reject(new Error("no answer")), 10_000).unref();
    });
    assert.equal(status, 413);
    await assertServerHealthy(server, "polling");
  });

  it("binary content-type POST: 400 at once, session closed with transport error", async () => {
    const session = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const s = await session;
    const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
    const res = await fetch(`${server.url}?EIO=4&transport=polling&sid=${open.sid}`, {
      method: "POST",
      body: new Uint8Array([0, 1, 2, 3]),
      headers: { "Content-Type": "application/octet-stream" },
    });
    assert.equal(res.status, 400);
    assert.equal(await reason, "transport error");
  });

  it("second concurrent GET: 400, session closed, the first GET gets the close packet", async () => {
    const session = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const s = await session;
    const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
    const first = poll(server, open.sid);
    await sleep(50);
    const second = await poll(server, open.sid);
    assert.equal(second.status, 400);
    assert.equal(await (await first).text(), "1");
    assert.equal(await reason, "transport error");
    assert.equal(open.sid in server.engine.clients, false);
  });

  it("garbage packets close that session with parse error; others are unaffected", async () => {
    const other = await openClient(server, { transports: ["websocket"] });
    try {
      for (const garbage of ["9zzz", "", "bnot base64!", "\x1e\x1e", "x".repeat(10)]) {
        const session = nextConnection(server.engine);
        const { open } = await pollingHandshake(server);
        const s = await session;
        const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
        const res = await post(server, open.sid, garbage);
        assert.equal(res.status, 200);
        assert.equal(await reason, "parse error", JSON.stringify(garbage));
      }
      const wsCases: [string, string][] = [
        ["9", "parse error"],
        ["", "parse error"],
        ["7", "parse error"],
        ["\u0000\u0001", "parse error"],
        ["2", "transport error"], // a ping from the client: wrong heartbeat direction
        ["0{}", "still open"], // an open packet from the client is ignored, as by the reference
      ];
      for (const [garbage, expected] of wsCases) {
        const session = nextConnection(server.engine);
        const ws = await rawWebSocket(server);
        const s = await session;
        const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
        ws.send(garbage);
        const r = await Promise.race([reason, sleep(300).then(() => "still open")]);
        assert.equal(r, expected, JSON.stringify(garbage));
        ws.terminate();
      }
      assert.equal(other.readyState, "open");
      const echoed = new Promise<unknown>((resolve) => other.once("message", resolve));
      const session = Object.values(server.engine.clients).find((c) => c.id === other.id)!;
      session.send("still here");
      assert.equal(await echoed, "still here");
    } finally {
      other.close();
    }
  });
});

describe("upgrade rules", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ upgradeTimeout: 200 });
  });
  after(() => server.close());

  it("raw upgrade: 2probe/3probe, noop releases the GET, 5 completes; buffered packets follow on the websocket", async () => {
    const session = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const s = await session;
    const pending = poll(server, open.sid);
    const ws = await rawWebSocket(server, `EIO=4&transport=websocket&sid=${open.sid}`);
    ws.send("2probe");
    assert.equal(await nextMessage(ws), "3probe");
    assert.equal(await (await pending).text(), "6");
    s.send("queued during upgrade");
    ws.send("5");
    assert.equal(await nextMessage(ws), "4queued during upgrade");
    assert.equal(s.transport.name, "websocket");
    // a websocket with the sid of an already-upgraded session is opened, then closed (as the reference does)
    const again = await rawWebSocket(server, `EIO=4&transport=websocket&sid=${open.sid}`);
    await closed(again);
    assert.equal(s.readyState, "open");
    assert.equal(s.transport.name, "websocket");
    const echoed = nextMessage(ws);
    s.send("still the first");
    assert.equal(await echoed, "4still the first");
    ws.close();
    await closed(ws);
  });

  it("a websocket-only session cannot be taken over by another websocket with its sid: that one is closed", async () => {
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    const s = await session;
    const transport = s.transport;
    const hijack = await rawWebSocket(server, `EIO=4&transport=websocket&sid=${s.id}`);
    hijack.send("2probe");
    await closed(hijack);
    assert.equal(s.transport, transport);
    assert.equal(s.upgrading, false);
    assert.equal(s.readyState, "open");
    ws.close();
    await closed(ws);
  });

  it("a second websocket that sends garbage while being closed does not hurt the server", async () => {
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    const s = await session;
    // The upgrade request and, in the same write, an invalid frame (reserved opcode 0x3, masked,
    // empty): it reaches the second websocket before the peer could answer its close.
    const raw = connect(server.port, "127.0.0.1");
    let answer = "";
    raw.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    raw.on("error", () => {});
    const rawClosed = new Promise<void>((resolve) => raw.once("close", () => resolve()));
    raw.write(
      Buffer.concat([
        Buffer.from(
          `GET /engine.io/?EIO=4&transport=websocket&sid=${s.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
          "latin1",
        ),
        Buffer.from([0x83, 0x80, 1, 2, 3, 4]),
      ]),
    );
    await rawClosed;
    assert.match(answer, /^HTTP\/1\.1 101 /);
    assert.equal(s.readyState, "open");
    await assertServerHealthy(server);
    ws.close();
    await closed(ws);
  });

  it("upgradeTimeout: an unfinished upgrade is dropped, the polling session goes on", async () => {
    const session = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const s = await session;
    const ws = await rawWebSocket(server, `EIO=4&transport=websocket&sid=${open.sid}`);
    await closed(ws);
    assert.equal(s.upgrading, false);
    assert.equal(s.transport.name, "polling");
    assert.equal(s.readyState, "open");
    s.close();
  });

  it("a polling request with the wrong transport name is refused (TRANSPORT_MISMATCH)", async () => {
    const { open } = await pollingHandshake(server);
    const errorP = nextConnectionError(server.engine);
    const res = await fetch(`${server.url}?EIO=4&transport=websocket&sid=${open.sid}`);
    assert.equal(res.status, 400);
    assert.equal((await errorP).context.name, "TRANSPORT_MISMATCH");
  });
});

describe("options", () => {
  it("transports: ['websocket'] refuses polling (code 0) and still serves websocket", async () => {
    const server = await startServer({ transports: ["websocket"] });
    try {
      const res = await fetch(`${server.url}?EIO=4&transport=polling`);
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { code: number }).code, 0);
      await assertServerHealthy(server, "websocket");
    } finally {
      await server.close();
    }
  });

  it("allowUpgrades: false announces no upgrade and refuses one", async () => {
    const server = await startServer({ allowUpgrades: false });
    try {
      const { open } = await pollingHandshake(server);
      assert.deepEqual(open.upgrades, []);
      const refused = await rawUpgrade(server, `/engine.io/?EIO=4&transport=websocket&sid=${open.sid}`);
      assert.equal(refused.status, 400);
    } finally {
      await server.close();
    }
  });

  it("cors: preflight answered and headers added only when configured", async () => {
    const server = await startServer({ cors: { origin: "https://app.example", credentials: true } });
    try {
      const preflight = await fetch(`${server.url}?EIO=4&transport=polling`, {
        method: "OPTIONS",
        headers: {
          Origin: "https://app.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
      assert.equal(preflight.headers.get("access-control-allow-credentials"), "true");
      assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
      assert.equal(preflight.headers.get("access-control-allow-headers"), "content-type");
      const { res } = await pollingHandshake(server, "", { headers: { Origin: "https://app.example" } });
      assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
    } finally {
      await server.close();
    }
  });

  it("cors: an origin list reflects allowed origins only; a delegate decides per request", async () => {
    const listed = await startServer({ cors: { origin: ["https://a.example", /\.b\.example$/] } });
    const delegated = await startServer({ cors: (req, cb) => cb(null, { origin: req.headers["x-allow"] === "1" }) });
    try {
      const ok = await pollingHandshake(listed, "", { headers: { Origin: "https://x.b.example" } });
      assert.equal(ok.res.headers.get("access-control-allow-origin"), "https://x.b.example");
      assert.match(ok.res.headers.get("vary") ?? "", /Origin/);
      const other = await pollingHandshake(listed, "", { headers: { Origin: "https://evil.example" } });
      assert.equal(other.res.headers.get("access-control-allow-origin"), null);
      const yes = await pollingHandshake(delegated, "", { headers: { Origin: "https://c.example", "x-allow": "1" } });
      assert.equal(yes.res.headers.get("access-control-allow-origin"), "https://c.example");
      const no = await pollingHandshake(delegated, "", { headers: { Origin: "https://c.example" } });
      assert.equal(no.res.headers.get("access-control-allow-origin"), null);
    } finally {
      await listed.close();
      await delegated.close();
    }
  });

  it("close() of a polling session without a pending GET: the next GET carries the close packet", async () => {
    const server = await startServer();
    try {
      const session = nextConnection(server.engine);
      const { open } = await pollingHandshake(server);
      const s = await session;
      const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
      s.send("bye");
      s.close();
      assert.equal(s.readyState, "closing");
      assert.equal(await (await poll(server, open.sid)).text(), "4bye");
      assert.equal(await (await poll(server, open.sid)).text(), "6\x1e1");
      assert.equal(await reason, "forced close");
    } finally {
      await server.close();
    }
  });

  it("httpCompression: gzip above the threshold only", async () => {
    const server = await startServer({ httpCompression: { threshold: 100 } });
    try {
      const session = nextConnection(server.engine);
      const { open } = await pollingHandshake(server);
      const s = await session;
      const big = "x".repeat(2000);
      s.send(big);
      const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        httpRequest(`${server.url}?EIO=4&transport=polling&sid=${open.sid}`, { headers: { "Accept-Encoding": "gzip" } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
        })
          .on("error", reject)
          .end();
      });
      assert.equal(raw.encoding, "gzip");
      assert.equal(gunzipSync(raw.body).toString(), "4" + big);
      s.send("small");
      const small = await new Promise<string | undefined>((resolve, reject) => {
        httpRequest(`${server.url}?EIO=4&transport=polling&sid=${open.sid}`, { headers: { "Accept-Encoding": "gzip" } }, (res) => {
          res.resume();
          resolve(res.headers["content-encoding"]);
        })
          .on("error", reject)
          .end();
      });
      assert.equal(small, undefined);
      s.close();
    } finally {
      await server.close();
    }
  });

  it("cookie: the handshake sets the session cookie (polling and websocket)", async () => {
    const server = await startServer({ cookie: { name: "sticky", sameSite: "strict", httpOnly: true } });
    try {
      const { open, res } = await pollingHandshake(server);
      const cookie = res.headers.get("set-cookie") ?? "";
      assert.match(cookie, new RegExp(`^sticky=${open.sid}; Path=/; HttpOnly; SameSite=Strict$`));
      const later = await poll(server, open.sid, { signal: AbortSignal.timeout(100) }).catch(() => null);
      assert.equal(later?.headers.get("set-cookie") ?? null, null, "only the handshake sets it");
      const upgrade = await rawUpgrade(server, "/engine.io/?EIO=4&transport=websocket");
      assert.equal(upgrade.status, 101);
      assert.match(upgrade.head, /set-cookie: sticky=[A-Za-z0-9_-]{20}; Path=\//i);
    } finally {
      await server.close();
    }
  });

  it("initial_headers and headers events edit responses (polling and websocket)", async () => {
    const server = await startServer({}, {}, (engine) => {
      engine.on("initial_headers", (headers) => (headers["X-Initial"] = "yes"));
      engine.on("headers", (headers) => (headers["X-Every"] = "yes"));
    });
    try {
      const { open, res } = await pollingHandshake(server);
      assert.equal(res.headers.get("x-initial"), "yes");
      assert.equal(res.headers.get("x-every"), "yes");
      const s = server.engine.clients[open.sid]!;
      s.send("x");
      const next = await poll(server, open.sid);
      assert.equal(next.headers.get("x-initial"), null);
      assert.equal(next.headers.get("x-every"), "yes");
      const upgrade = await rawUpgrade(server, "/engine.io/?EIO=4&transport=websocket");
      assert.match(upgrade.head, /x-initial: yes/i);
      assert.match(upgrade.head, /x-every: yes/i);
    } finally {
      await server.close();
    }
  });

  it("generateId: sync and async", async () => {
    let n = 0;
    const server = await startServer({}, {}, (engine) => {
      engine.generateId = () => (n++ % 2 === 0 ? `sync-${n}` : Promise.resolve(`async-${n}`));
    });
    try {
      const a = await pollingHandshake(server);
      assert.equal(a.open.sid, "sync-1");
      const b = await pollingHandshake(server);
      assert.equal(b.open.sid, "async-2");
      const session = nextConnection(server.engine);
      const client = await openClient(server, { transports: ["websocket"] });
      assert.equal((await session).id, "sync-3");
      client.close();
    } finally {
      await server.close();
    }
  });

  it("use(): a middleware rejects a polling handshake and an upgrade with its own status", async () => {
    const server = await startServer({}, {}, (engine) => {
      engine.use((req, res, next) => {
        if (req.headers["x-token"] === "ok") return next();
        res.writeHead(401, { "Content-Type": "text/plain" });
        res.end("no token");
      });
    });
    try {
      const refused = await fetch(`${server.url}?EIO=4&transport=polling`);
      assert.equal(refused.status, 401);
      assert.equal(await refused.text(), "no token");
      const upgrade = await rawUpgrade(server, "/engine.io/?EIO=4&transport=websocket");
      assert.equal(upgrade.status, 401);
      assert.equal(upgrade.body, "no token");
      assert.equal(server.engine.clientsCount, 0);
      const ok = await pollingHandshake(server, "", { headers: { "x-token": "ok" } });
      assert.ok(ok.open.sid);
      const ws = await rawWebSocket(server, undefined, { headers: { "x-token": "ok" } });
      ws.close();
      await closed(ws);
    } finally {
      await server.close();
    }
  });

  it("use(): an upgrade held by a middleware that never calls next is answered 408 after upgradeMiddlewareTimeout, and reported", async () => {
    const server = await startServer({ upgradeMiddlewareTimeout: 200 }, {}, (engine) => {
      engine.use((req, _res, next) => {
        // a session store that stopped answering: upgrades hang here, polling requests go on
        if (req.headers.upgrade === undefined) next();
      });
    });
    const reports: Diagnostic[] = [];
    server.engine.diagnostics.on("diagnostic", (diagnostic) => reports.push(diagnostic));
    try {
      const upgrade = await rawUpgrade(server, "/engine.io/?EIO=4&transport=websocket");
      assert.equal(upgrade.status, 408);
      assert.equal(reports.length, 1);
      assert.equal(reports[0]!.name, "upgradeMiddlewareTimeout");
      assert.equal(reports[0]!.kind, "limit");
      assert.equal(reports[0]!.limit, 200);
      assert.equal(server.engine.clientsCount, 0);
      // the server serves on
      const ok = await pollingHandshake(server);
      assert.ok(ok.open.sid);
    } finally {
      await server.close();
    }
  });

  it("upgradeMiddlewareTimeout must be a number of ms", () => {
    assert.throws(() => new Server({ upgradeMiddlewareTimeout: -1 }), /"upgradeMiddlewareTimeout" option must be a number of ms/);
  });

  it("use(): a middleware error answers 400 code 3", async () => {
    const server = await startServer({}, {}, (engine) => engine.use((_req, _res, next) => next(new Error("boom"))));
    try {
      const res = await fetch(`${server.url}?EIO=4&transport=polling`);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { code: 3, message: "Bad request" });
    } finally {
      await server.close();
    }
  });

  it("attach: other requests reach the previous listeners; path and trailing slash", async () => {
    const server = await startServer({}, { path: "/rt", addTrailingSlash: false });
    try {
      const other = await fetch(`http://127.0.0.1:${server.port}/elsewhere`);
      assert.equal(other.status, 404);
      assert.equal(await other.text(), "not found");
      const res = await fetch(`http://127.0.0.1:${server.port}/rt?EIO=4&transport=polling`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^0\{"sid"/);
    } finally {
      await server.close();
    }
  });

  it("close(): every session closes and clientsCount drops to 0", async () => {
    const server = await startServer();
    try {
      const a = await openClient(server, { transports: ["websocket"] });
      const b = await openClient(server, { transports: ["polling"] });
      assert.equal(server.engine.clientsCount, 2);
      const reasons: string[] = [];
      for (const s of Object.values(server.engine.clients)) s.on("close", (r) => reasons.push(r));
      server.engine.close();
      assert.equal(server.engine.clientsCount, 0);
      assert.deepEqual(reasons, ["forced close", "forced close"]);
      a.close();
      b.close();
    } finally {
      await server.close();
    }
  });
});

describe("socket API and standalone helpers", () => {
  it("listen(port) and attach(httpServer) serve a standalone engine", async () => {
    const { listen, attach } = await import("@sockline/core/engine");
    const engine = listen(0, { path: "/standalone" });
    const http = (engine as unknown as { httpServer: import("node:http").Server }).httpServer;
    try {
      await new Promise<void>((resolve) => (http.listening ? resolve() : http.once("listening", () => resolve())));
      const port = (http.address() as import("node:net").AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/standalone/?EIO=4&transport=polling`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^0\{"sid"/);
      const other = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(other.status, 501);
    } finally {
      engine.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
    const { createServer } = await import("node:http");
    const plain = createServer();
    const attached = attach(plain);
    assert.equal(attached.opts.path, "/engine.io");
    attached.close();
  });

  it("send callback, initialPacket, packet/packetCreate/flush/drain events", async () => {
    const server = await startServer({ initialPacket: "welcome" });
    try {
      const sessionP = nextConnection(server.engine);
      const ws = await rawWebSocket(server);
      const s = await sessionP;
      assert.match((await nextMessage(ws)) as string, /^0\{/);
      assert.equal(await nextMessage(ws), "4welcome");
      const created: string[] = [];
      const flushed: number[] = [];
      let drains = 0;
      s.on("packetCreate", (p) => created.push(`${p.type}:${String(p.data)}`));
      s.on("flush", (buffer) => flushed.push(buffer.length));
      s.on("drain", () => drains++);
      await new Promise<void>((resolve) => s.send("with callback", { compress: false }, resolve));
      assert.equal(await nextMessage(ws), "4with callback");
      assert.deepEqual(created, ["message:with callback"]);
      assert.deepEqual(flushed, [1]);
      assert.equal(drains, 1);
      const packets: string[] = [];
      s.on("packet", (p) => packets.push(p.type));
      const data = new Promise<unknown>((resolve) => s.once("data", resolve));
      ws.send("4hi");
      assert.equal(await data, "hi");
      assert.deepEqual(packets, ["message"]);
      ws.close();
      await closed(ws);
    } finally {
      await server.close();
    }
  });

  it("perMessageDeflate: off by default, negotiated when enabled", async () => {
    const off = await startServer();
    const on = await startServer({ perMessageDeflate: true });
    try {
      const a = await rawWebSocket(off, undefined, { perMessageDeflate: true });
      assert.equal(a.extensions, "");
      const b = await rawWebSocket(on, undefined, { perMessageDeflate: true });
      assert.match(b.extensions, /permessage-deflate/);
      a.close();
      b.close();
      await Promise.all([closed(a), closed(b)]);
    } finally {
      await off.close();
      await on.close();
    }
  });

  it("polling session events on upgrade: upgrading then upgrade", async () => {
    const server = await startServer();
    try {
      const sessionP = nextConnection(server.engine);
      const client = await openClient(server);
      const s = await sessionP;
      const order: string[] = [];
      await new Promise<void>((resolve) => {
        s.on("upgrading", (t) => order.push(`upgrading:${t.name}`));
        s.on("upgrade", (t) => {
          order.push(`upgrade:${t.name}`);
          resolve();
        });
      });
      assert.deepEqual(order, ["upgrading:websocket", "upgrade:websocket"]);
      client.close();
    } finally {
      await server.close();
    }
  });
});
