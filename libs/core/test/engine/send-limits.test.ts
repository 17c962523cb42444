/**
 * What one session may make the engine hold or do, and what the engine does at the bound:
 * - `maxBufferedBytes`: a client that stops reading (websocket: its TCP window is full; polling:
 *   it never GETs) is closed with "transport buffer full" once more than the bound waits for it;
 * - `maxPacketsPerPayload`: a polling POST carrying more packets is answered 400 and closes the session;
 * - `transport.writable` on websocket is false while a write is in progress (what `volatile` reads);
 * - `send()` of a value without a text form throws at the caller, never inside a transport.
 * Each refusal is reported once to `engine.diagnostics`; other sessions carry on.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import type { Diagnostic, Socket as EngineSocket } from "@sockline/core/engine";
import { once, stalledWebSocket, waitUntil } from "@sockline/e2e/support";
import { assertServerHealthy, nextConnection, openClient, pollingHandshake, poll, post, startServer, type TestServer } from "./helpers.js";

const KB = 1024;
const MB = 1024 * KB;

/** Sends `chunk` to `session`, one message per turn of the event loop, until it closes (at most `max` messages). */
async function sendUntilClosed(session: EngineSocket, chunk: string, max: number): Promise<number> {
  let sent = 0;
  while (session.readyState === "open" && sent < max) {
    session.send(chunk);
    sent++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return sent;
}

describe("engine limits on what one session may queue or send", () => {
  let server: TestServer;
  const reports: Diagnostic[] = [];
  before(async () => {
    // pings far away: the stalled clients below never answer them, the limit must act first
    server = await startServer({ pingInterval: 60_000, pingTimeout: 60_000 });
    server.engine.diagnostics.on("diagnostic", (d) => reports.push(d));
  });
  after(() => server.close());

  it("has maxBufferedBytes 4 MiB and maxPacketsPerPayload 1000 by default", () => {
    assert.equal(server.engine.opts.maxBufferedBytes, 4 * MB);
    assert.equal(server.engine.opts.maxPacketsPerPayload, 1000);
  });

  it('websocket: a client that stops reading is closed with "transport buffer full" past maxBufferedBytes (default), once reported', async () => {
    reports.length = 0;
    const sessionP = nextConnection(server.engine);
    const stalled = await stalledWebSocket(`http://127.0.0.1:${server.port}`, { path: "/engine.io/?EIO=4&transport=websocket" });
    try {
      const session = await sessionP;
      const closed = once<[string]>(session, "close", { what: "the stalled session to close" });
      // 256 KB messages: the kernel's buffers take a few MB, then the bytes wait in the server's memory
      const sent = await sendUntilClosed(session, "x".repeat(256 * KB), 400);
      const [reason] = await closed;
      assert.equal(reason, "transport buffer full");
      assert.ok(sent < 400, `closed after ${sent} messages`);
      assert.equal(session.id in server.engine.clients, false);
      assert.equal(reports.length, 1, "one diagnostic");
      const [report] = reports;
      assert.equal(report!.kind, "limit");
      assert.equal(report!.name, "maxBufferedBytes");
      assert.equal(report!.sid, session.id);
      assert.equal(report!.remoteAddress, "127.0.0.1");
      assert.equal(report!.transport, "websocket");
      assert.equal(report!.limit, 4 * MB);
      assert.ok(report!.value! > 4 * MB, `measured ${report!.value} bytes`);
      await assertServerHealthy(server, "websocket");
    } finally {
      stalled.close();
    }
  });

  it("polling: a client that never GETs again is closed past maxBufferedBytes, its sid then refused", async () => {
    reports.length = 0;
    const sessionP = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const session = await sessionP;
    const closed = once<[string]>(session, "close", { what: "the polling session to close" });
    const sent = await sendUntilClosed(session, "y".repeat(64 * KB), 400);
    assert.equal((await closed)[0], "transport buffer full");
    // 4 MiB of 64 KiB messages: the 65th send finds 64 waiting (4 MiB, not over), the 66th finds 65
    assert.equal(sent, 66);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.name, "maxBufferedBytes");
    assert.equal(reports[0]!.transport, "polling");
    assert.equal(reports[0]!.value, 65 * 64 * KB);
    assert.equal(reports[0]!.sid, open.sid);
    const res = await poll(server, open.sid);
    assert.equal(res.status, 400, "the session is gone");
    await res.text();
    await assertServerHealthy(server, "polling");
  });

  it("polling: the unsent part of a response nobody reads counts too (a GET whose client stopped reading)", async () => {
    reports.length = 0;
    const sessionP = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const session = await sessionP;
    // a GET on a raw connection that is never read from
    const reader = connect(server.port, "127.0.0.1");
    reader.on("error", () => {});
    reader.write(`GET /engine.io/?EIO=4&transport=polling&sid=${open.sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    reader.pause();
    try {
      await waitUntil(() => session.transport.writable, "the GET to be pending");
      const closed = once<[string]>(session, "close");
      // goes out in that GET's response: far more than the kernel's buffers take
      session.send("r".repeat(16 * MB));
      assert.equal(session.writeBuffer.length, 0, "nothing left in the session's own buffer");
      assert.ok(session.transport.unsentBytes > 4 * MB, `${session.transport.unsentBytes} bytes of the response unsent`);
      session.send("next");
      assert.equal((await closed)[0], "transport buffer full");
      assert.equal(reports.length, 1);
      assert.ok(reports[0]!.value! > 4 * MB);
    } finally {
      reader.destroy();
    }
  });

  it("polling: one message bigger than the bound still goes out; the bound is checked before each send", async () => {
    const sessionP = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const session = await sessionP;
    session.send("z".repeat(5 * MB));
    assert.equal(session.readyState, "open");
    const res = await poll(server, open.sid);
    assert.equal((await res.text()).length, 1 + 5 * MB);
    session.close();
  });

  it("maxPacketsPerPayload: a POST of 1,001 packets is answered 400 and closes the session, none dispatched; 1,000 pass", async () => {
    reports.length = 0;
    const sessionP = nextConnection(server.engine);
    const { open } = await pollingHandshake(server);
    const session = await sessionP;
    let messages = 0;
    session.on("message", () => messages++);

    const thousand = Array.from({ length: 1000 }, (_, i) => `4m${i}`).join("\x1e");
    const ok = await post(server, open.sid, thousand);
    assert.equal(ok.status, 200);
    await ok.text();
    assert.equal(messages, 1000);
    assert.equal(reports.length, 0);

    const closed = once<[string, unknown]>(session, "close", { what: "the session to close" });
    const tooMany = await post(server, open.sid, thousand + "\x1e4one more");
    assert.equal(tooMany.status, 400);
    await tooMany.text();
    const [reason, description] = await closed;
    assert.equal(reason, "transport error");
    assert.match(String(description), /1001.*maxPacketsPerPayload 1000/);
    assert.equal(messages, 1000, "no packet of the refused body was dispatched");
    assert.equal(reports.length, 1);
    assert.deepEqual(
      {
        kind: reports[0]!.kind,
        name: reports[0]!.name,
        value: reports[0]!.value,
        limit: reports[0]!.limit,
        sid: reports[0]!.sid,
        transport: reports[0]!.transport,
      },
      { kind: "limit", name: "maxPacketsPerPayload", value: 1001, limit: 1000, sid: open.sid, transport: "polling" },
    );
    await assertServerHealthy(server, "polling");
  });

  it("websocket transport.writable: false right after a write (in progress), true once it completed", async () => {
    const sessionP = nextConnection(server.engine);
    const client = await openClient(server, { transports: ["websocket"] });
    try {
      const session = await sessionP;
      await waitUntil(() => session.transport.writable, "the transport to be writable");
      session.send("a");
      assert.equal(session.transport.writable, false, "not writable until the write completed");
      await once(client, "message");
      assert.equal(session.transport.writable, true);
    } finally {
      client.close();
    }
  });

  it("send() of a value without a text form throws a TypeError at the caller; the session carries on", async () => {
    for (const transport of ["polling", "websocket"] as const) {
      const sessionP = nextConnection(server.engine);
      const client = await openClient(server, { transports: [transport] });
      try {
        const session = await sessionP;
        assert.throws(() => session.send(Symbol("s")), TypeError);
        assert.throws(() => session.send(Object.create(null)), TypeError);
        const got = once<[string]>(client, "message");
        session.send("still here");
        assert.deepEqual(await got, ["still here"]);
      } finally {
        client.close();
      }
    }
  });
});
