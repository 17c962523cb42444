/**
 * The engine alone (`@sockline/core/engine`) under `allowEIO3`: engine.io-client 3.x as a real
 * client on each transport, and hostile protocol 3 input (malformed payloads and frames, the
 * limits, the heartbeat's direction): each refused with a 400 (or a closed connection) and one
 * diagnostic, never a crash, and the server serves the next client.
 */
import { describe, it, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import EngineClientV3 from "engine.io-client-v3";
import { WebSocket } from "ws";
import type { Diagnostic, Socket as EngineSocket } from "@sockline/core/engine";
import { once, waitUntil, withTimeout } from "@sockline/e2e/support";
import { LegacyPollingSession, parseV3Payload, rawRequest, v3BinaryPayload, v3Payload } from "../conformance/helpers/legacy.js";
import { assertServerHealthy, nextConnection, startServer, type TestServer } from "../engine/helpers.js";

/** engine.io-client 3.x, opened. */
async function openV3Client(server: TestServer, transports: string[]): Promise<EngineClientV3> {
  const client = new EngineClientV3(`http://127.0.0.1:${server.port}`, { path: "/engine.io", transports });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      client.once("open", () => resolve());
      client.once("error", (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
    }),
    "the engine.io-client 3.x handshake",
  );
  return client;
}

/** A protocol 3 polling session on the bare engine (its path is /engine.io/). */
function openSession(server: TestServer, query = "&b64=1"): Promise<LegacyPollingSession> {
  return LegacyPollingSession.open(`http://127.0.0.1:${server.port}`, query, "/engine.io/");
}

describe("engine: engine.io-client 3.x (allowEIO3)", () => {
  let server: TestServer;
  const clients: EngineClientV3[] = [];
  before(async () => {
    server = await startServer({ allowEIO3: true, pingInterval: 100, pingTimeout: 1000 });
  });
  after(() => server.close());
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    it(`${transports.join(" then ")}: text and binary both ways, the client's pings answered`, async () => {
      const sessionP = nextConnection(server.engine);
      const client = await openV3Client(server, transports);
      clients.push(client);
      const session = await sessionP;
      assert.equal(session.protocol, 3);
      if (transports.length === 2) await waitUntil(() => session.transport.name === "websocket", "the upgrade");
      assert.equal(session.transport.name, transports.at(-1));

      const received: (string | Buffer)[] = [];
      session.on("message", (data: string | Buffer) => received.push(data));
      client.send("héllo 😀");
      client.send(Buffer.from([1, 2, 3]));
      await waitUntil(() => received.length === 2, "both messages");
      assert.equal(received[0], "héllo 😀");
      assert.deepEqual([...(received[1] as Buffer)], [1, 2, 3]);

      const back: unknown[] = [];
      client.on("message", (data: unknown) => back.push(data));
      session.send("répondu");
      session.send(Buffer.from([4, 5]));
      await waitUntil(() => back.length === 2, "both answers");
      assert.equal(back[0], "répondu");
      assert.deepEqual([...new Uint8Array(back[1] as ArrayBuffer)], [4, 5]);

      let heartbeats = 0;
      session.on("heartbeat", () => heartbeats++);
      await waitUntil(() => heartbeats >= 2, "two pings of the client answered");
      const closed = once<[string]>(session, "close", { what: "the client's close" });
      client.close();
      assert.equal((await closed)[0], "transport close");
    });
  }

  it("a protocol 3 session may not be continued with EIO=4, nor a protocol 4 one with EIO=3 (PROTOCOL_MISMATCH)", async () => {
    const v3 = await openSession(server);
    const mismatch = await rawRequest(`${server.url}?EIO=4&transport=polling&sid=${v3.sid}`);
    assert.equal(mismatch.status, 400);
    const v4 = await (await fetch(`${server.url}?EIO=4&transport=polling`)).text();
    const sid = (JSON.parse(v4.slice(1)) as { sid: string }).sid;
    assert.equal((await rawRequest(`${server.url}?EIO=3&transport=polling&sid=${sid}`)).status, 400);
  });
});

describe("engine: hostile protocol 3 input", () => {
  let server: TestServer;
  const reports: Diagnostic[] = [];
  before(async () => {
    server = await startServer({ allowEIO3: true, maxPacketsPerPayload: 3, maxHttpBufferSize: 1000 });
    server.engine.diagnostics.on("diagnostic", (d) => reports.push(d));
  });
  after(() => server.close());
  beforeEach(() => {
    reports.length = 0;
  });

  /** Opens a session, POSTs `body`, and checks the refusal: status, one diagnostic, the session closed. */
  async function refused(
    body: string | Buffer,
    status: number,
    name: string,
    closes = true,
  ): Promise<{ diagnostic: Diagnostic; reason: string | undefined }> {
    const sessionP = nextConnection(server.engine);
    const session = await openSession(server);
    const engineSession: EngineSocket = await sessionP;
    const closed = closes ? once<[string]>(engineSession, "close", { what: "the session to close" }) : undefined;
    const answer = await session.post(body);
    assert.equal(answer.status, status, `${JSON.stringify(body.toString())}: ${answer.body.toString()}`);
    const reason = closed === undefined ? undefined : (await closed)[0];
    assert.equal(reports.length, 1, JSON.stringify(reports));
    const diagnostic = reports.pop()!;
    assert.equal(diagnostic.name, name);
    assert.equal(diagnostic.sid, session.sid);
    assert.equal(diagnostic.transport, "polling");
    return { diagnostic, reason };
  }

  const malformedText: [string, string, RegExp][] = [
    ["non-numeric length", "x:2", /invalid length prefix "x"/],
    ["digits then letters", "1a:2", /invalid length prefix "1a"/],
    ["negative length", "-1:2", /invalid length prefix "-1"/],
    ["huge length", "99999999999:2", /invalid length prefix/],
    ["length past the end", "100:2", /runs past the end/],
    ["truncated second packet", v3Payload("2") + "5:42", /runs past the end/],
    ["no colon", "12", /without ":"/],
    ["empty body", "", /empty payload/],
    ["unknown packet type", "1:9", /undecodable packet/],
    ["bad base64", "4:b4!!", /undecodable packet/],
  ];
  for (const [what, body, why] of malformedText) {
    it(`text payload, ${what}: 400, invalid-payload, the session closed`, async () => {
      const { diagnostic, reason } = await refused(body, 400, "invalid-payload");
      assert.equal(diagnostic.kind, "violation");
      assert.match(diagnostic.message, why);
      assert.match(diagnostic.action, /400/);
      assert.equal(reason, "transport error");
      await assertServerHealthy(server, "polling");
    });
  }

  const malformedBinary: [string, Buffer][] = [
    ["kind byte neither 0 nor 1", Buffer.from([2, 1, 255, 0x32])],
    ["no end marker", Buffer.from([0, 1, 2, 3])],
    ["digit byte over 9", Buffer.from([0, 12, 255, 0x32])],
    ["length past the end", Buffer.from([0, 9, 9, 255, 0x32])],
    ["more than 9 length digits", Buffer.from([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 255, 0x32])],
    ["unknown binary packet type", Buffer.from([1, 2, 255, 9, 1])],
    ["invalid UTF-8 text packet", Buffer.from([0, 2, 255, 0x34, 0xff])],
  ];
  for (const [what, body] of malformedBinary) {
    it(`binary payload, ${what}: 400, invalid-payload, the session closed`, async () => {
      const { diagnostic } = await refused(body, 400, "invalid-payload");
      assert.match(diagnostic.message, /binary payload/);
    });
  }

  it("JSONP: a form without its d field, or with a malformed payload in it: 400, invalid-payload", async () => {
    for (const form of ["x=1", `d=${encodeURIComponent("5:2")}`]) {
      reports.length = 0;
      const sessionP = nextConnection(server.engine);
      const session = await openSession(server, "&j=0&b64=1");
      const closed = once<[string]>(await sessionP, "close", { what: "the session to close" });
      const answer = await session.post(form, "application/x-www-form-urlencoded");
      assert.equal(answer.status, 400);
      assert.equal((await closed)[0], "transport error");
      assert.deepEqual(
        reports.map((r) => r.name),
        ["invalid-payload"],
      );
      assert.match(reports[0]!.message, /JSONP payload/);
    }
  });

  it("JSONP answers escape U+2028 and U+2029 (valid JSON, not valid in older JavaScript)", async () => {
    const sessionP = nextConnection(server.engine);
    const session = await openSession(server, "&j=3");
    const engineSession = await sessionP;
    engineSession.send("a\u2028b\u2029c");
    const answer = (await session.poll()).body.toString();
    assert.equal(answer, '___eio[3]("6:4a\\u2028b\\u2029c");');
  });

  it("maxPacketsPerPayload: a text or binary POST of more packets is refused (400), none of them handled", async () => {
    const handled: unknown[] = [];
    const handler = (session: EngineSocket) => session.on("message", (m: unknown) => handled.push(m));
    server.engine.on("connection", handler);
    try {
      const text = await refused(v3Payload("4a", "4b", "4c", "4d"), 400, "maxPacketsPerPayload");
      assert.equal(text.diagnostic.limit, 3);
      assert.match(text.diagnostic.message, /of 4 or more packets, over maxPacketsPerPayload \(3\)/);
      assert.equal(text.reason, "transport error");
      const binary = await refused(v3BinaryPayload("4a", "4b", Buffer.from([4, 1]), "4d"), 400, "maxPacketsPerPayload");
      assert.equal(binary.diagnostic.kind, "limit");
      assert.deepEqual(handled, []);
      // at the limit: handled
      const sessionP = nextConnection(server.engine);
      const session = await openSession(server);
      await sessionP;
      assert.equal((await session.post(v3Payload("4a", "4b", "4c"))).status, 200);
      await waitUntil(() => handled.length === 3, "the three messages");
      assert.deepEqual(reports, []);
    } finally {
      server.engine.off("connection", handler);
    }
  });

  it("maxHttpBufferSize: an oversized POST is refused (413), its connection dropped", async () => {
    const { diagnostic } = await refused(v3Payload(`4${"x".repeat(2000)}`), 413, "maxHttpBufferSize", false);
    assert.equal(diagnostic.limit, 1000);
  });

  it("a pong from the client breaks the protocol 3 heartbeat: invalid-heartbeat, closed", async () => {
    const { diagnostic, reason } = await refused(v3Payload("3"), 200, "invalid-heartbeat");
    assert.equal(diagnostic.packetType, "pong");
    assert.equal(reason, "transport error");
  });

  it("websocket: a binary frame with an unknown type byte, or an empty one, is an invalid packet (parse error)", async () => {
    for (const frame of [Buffer.from([9, 1, 2]), Buffer.alloc(0), "b9AAAA"]) {
      reports.length = 0;
      const sessionP = nextConnection(server.engine);
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=3&transport=websocket`);
      ws.on("error", () => {});
      const session = await sessionP;
      const closed = once<[string]>(session, "close", { what: "the session to close" });
      await once(ws, "open", { what: "the websocket to open" });
      ws.send(frame);
      assert.equal((await closed)[0], "parse error");
      assert.deepEqual(
        reports.map((r) => r.name),
        ["invalid-packet"],
      );
      ws.terminate();
    }
    await assertServerHealthy(server, "websocket");
  });

  it("the handshake answer is framed for protocol 3 and a session's pong goes to the next poll", async () => {
    const session = await openSession(server);
    assert.equal(session.rest.length, 0);
    assert.equal((await session.post(v3Payload("2"))).status, 200);
    const answer = await session.poll();
    assert.deepEqual(parseV3Payload(answer.body.toString()), ["3"]);
    assert.deepEqual(reports, []);
  });
});
