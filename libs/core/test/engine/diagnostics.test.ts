/**
 * Every refusal the engine makes on its own is reported once to `engine.diagnostics`, with the
 * session id (when there is one), the remote address and the figures; ordinary events (a client
 * closing, a stale sid, the application's own `allowRequest` refusal) are not.
 */
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import type { Diagnostic } from "@sockline/core/engine";
import { http as httpRequest, once, waitUntil } from "@sockline/e2e/support";
import { closed, nextConnection, openClient, poll, pollingHandshake, post, rawWebSocket, startServer, type TestServer } from "./helpers.js";

/** Writes raw bytes on a fresh TCP connection and resolves with the whole answer once the server closes it. */
function rawExchange(server: TestServer, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1", () => socket.write(bytes));
    let answer = "";
    socket.on("data", (d) => (answer += d.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}

describe("engine diagnostics", () => {
  let server: TestServer;
  const reports: Diagnostic[] = [];
  before(async () => {
    server = await startServer({ maxHttpBufferSize: 1000, allowRequest: (req, cb) => cb("no", !req.url?.includes("deny=1")) });
    server.engine.on("connection_error", () => {});
    server.engine.diagnostics.on("diagnostic", (d) => reports.push(d));
  });
  after(() => server.close());
  beforeEach(() => {
    reports.length = 0;
  });

  /** The one report made since the test began, checked for the fields every report carries. */
  function onlyReport(): Diagnostic {
    assert.equal(reports.length, 1, `exactly one diagnostic, got ${JSON.stringify(reports)}`);
    const report = reports[0]!;
    assert.equal(report.remoteAddress, "127.0.0.1");
    assert.ok(report.message.length > 0 && report.action.length > 0);
    return report;
  }

  it("an oversized polling POST: limit maxHttpBufferSize, 413, with the figures", async () => {
    const { open } = await pollingHandshake(server);
    const res = await post(server, open.sid, "4" + "x".repeat(5000));
    assert.equal(res.status, 413);
    const report = onlyReport();
    assert.equal(report.kind, "limit");
    assert.equal(report.name, "maxHttpBufferSize");
    assert.equal(report.sid, open.sid);
    assert.equal(report.transport, "polling");
    assert.equal(report.value, 5001);
    assert.equal(report.limit, 1000);
    assert.match(report.action, /413/);
  });

  it("an oversized websocket message: limit maxHttpBufferSize, closed with 1009", async () => {
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    const { id } = await session;
    ws.send("4" + "x".repeat(5000));
    assert.equal(await closed(ws), 1009);
    await waitUntil(() => reports.length > 0, "the report");
    const report = onlyReport();
    assert.deepEqual(
      [report.kind, report.name, report.sid, report.transport, report.limit],
      ["limit", "maxHttpBufferSize", id, "websocket", 1000],
    );
  });

  it('an undecodable packet ("9"): violation invalid-packet, session closed with "parse error"', async () => {
    const sessionP = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    const session = await sessionP;
    const reason = once<[string]>(session, "close");
    ws.send("9");
    assert.equal((await reason)[0], "parse error");
    const report = onlyReport();
    assert.deepEqual([report.kind, report.name, report.sid], ["violation", "invalid-packet", session.id]);
  });

  it("a ping sent by the client: violation invalid-heartbeat", async () => {
    const { open } = await pollingHandshake(server);
    const res = await post(server, open.sid, "2");
    await res.text();
    await waitUntil(() => !(open.sid in server.engine.clients), "the session to close");
    const report = onlyReport();
    assert.deepEqual(
      [report.kind, report.name, report.packetType, report.transport],
      ["violation", "invalid-heartbeat", "ping", "polling"],
    );
  });

  it("an invalid websocket frame (RSV2 set): violation invalid-frame", async () => {
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    await session;
    // a masked text frame "4hi" with RSV2 set, written under ws's framing
    const socket = (ws as unknown as { _socket: import("node:net").Socket })._socket;
    const mask = [1, 2, 3, 4];
    socket.write(Buffer.from([0x80 | 0x20 | 0x01, 0x80 | 3, ...mask, ...Buffer.from("4hi").map((b, i) => b ^ mask[i % 4]!)]));
    await closed(ws);
    await waitUntil(() => reports.length > 0, "the report");
    const report = onlyReport();
    assert.deepEqual([report.kind, report.name], ["violation", "invalid-frame"]);
  });

  it("protocol violations of polling requests: a second pending GET, a binary POST", async () => {
    const first = await pollingHandshake(server);
    const pending = poll(server, first.open.sid);
    await waitUntil(() => server.engine.clients[first.open.sid]?.transport.writable === true, "the first GET to be pending");
    const second = await poll(server, first.open.sid);
    assert.equal(second.status, 400);
    await (await pending).text();
    assert.equal(onlyReport().name, "poll-overlap");

    reports.length = 0;
    const other = await pollingHandshake(server);
    const binary = await post(server, other.open.sid, "4x", { "Content-Type": "application/octet-stream" });
    assert.equal(binary.status, 400);
    const report = onlyReport();
    assert.deepEqual([report.name, report.sid], ["invalid-content", other.open.sid]);
  });

  it("refused handshakes that break the protocol: EIO=3, unknown transport, POST handshake, websocket over GET, bad websocket headers", async () => {
    const base = `http://127.0.0.1:${server.port}/engine.io/`;
    const cases: [string, Parameters<typeof httpRequest>[1], string][] = [
      [`${base}?EIO=3&transport=polling`, {}, "unsupported-protocol-version"],
      [`${base}?EIO=4&transport=carrier-pigeon`, {}, "unknown-transport"],
      [`${base}?EIO=4&transport=polling`, { method: "POST", body: "x" }, "bad-handshake-method"],
      [`${base}?EIO=4&transport=websocket`, {}, "transport-handshake-error"],
    ];
    for (const [url, options, name] of cases) {
      reports.length = 0;
      const res = await httpRequest(url, options);
      assert.equal(res.status, 400, url);
      const report = onlyReport();
      assert.equal(report.kind, "violation");
      assert.equal(report.name, name, url);
      assert.match(report.action, /request refused \(400\)/);
    }
    reports.length = 0;
    const answer = await rawExchange(
      server,
      "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    assert.match(answer, /^HTTP\/1\.1 400/);
    const report = onlyReport();
    assert.equal(report.name, "invalid-websocket-handshake");
    assert.match(report.message, /Sec-WebSocket-Version "99"/);
  });

  it("nothing for ordinary events: clients closing, a stale sid, the application's allowRequest refusal", async () => {
    for (const transport of ["polling", "websocket"] as const) {
      const sessionP = nextConnection(server.engine);
      const client = await openClient(server, { transports: [transport] });
      const session = await sessionP;
      const done = once(session, "close");
      client.close();
      await done;
    }
    const stale = await poll(server, "no-such-session");
    assert.equal(stale.status, 400);
    await stale.text();
    const denied = await httpRequest(`http://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=polling&deny=1`);
    assert.equal(denied.status, 403);
    assert.deepEqual(reports, []);
  });

  it("a listener that throws does not break the refusal", async () => {
    server.engine.diagnostics.once("diagnostic", () => {
      throw new Error("broken listener");
    });
    const res = await httpRequest(`http://127.0.0.1:${server.port}/engine.io/?EIO=3&transport=polling`);
    assert.equal(res.status, 400);
  });
});
