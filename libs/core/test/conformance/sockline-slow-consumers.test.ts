// Slow consumers and oversized polling bodies at the Socket.IO level: the engine options
// `maxBufferedBytes` and `maxPacketsPerPayload` pass through the server's options, the sockets of
// the connection that broke them are disconnected ("transport buffer full" / "transport error"),
// one diagnostic reaches `io.diagnostics`, and the other clients get every broadcast.
// The reference has neither bound (a paused client pins every broadcast until its ping timeout).
import { describe, it, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import type { ServerOptions } from "socket.io";
import { Harness, type ServerSocket } from "./helpers/harness.js";
import { IMPL, SOCKLINE_ONLY } from "./helpers/impl.js";
import { PollingSession } from "./helpers/polling.js";
import { connectBystander, type Bystander } from "./helpers/bystander.js";
import { once, stalledWebSocket, waitUntil, withTimeout, type StalledWebSocket } from "@sockline/e2e/support";

const KB = 1024;
const MAX_BUFFERED = 1024 * KB;

/** The figures of a diagnostic these tests look at (Sockline's `Diagnostic`). */
interface Report {
  kind: string;
  name: string;
  sid?: string;
  transport?: string;
  value?: number;
  limit?: number;
}

describe(`[${IMPL}] Sockline limits: slow consumers and packets per polling body`, { skip: SOCKLINE_ONLY }, () => {
  let h: Harness;
  let bystander: Bystander;
  let received = 0;
  const reports: Report[] = [];
  const stalled: StalledWebSocket[] = [];

  before(async () => {
    // pings far away: the stalled clients never answer them, the buffer bound must act first
    const options = { maxBufferedBytes: MAX_BUFFERED, maxPacketsPerPayload: 50, pingInterval: 60_000, pingTimeout: 60_000 };
    h = await Harness.start(options as Partial<ServerOptions>, "websocket");
    (h.io as unknown as { diagnostics: { on(ev: "diagnostic", fn: (d: Report) => void): void } }).diagnostics.on("diagnostic", (d) =>
      reports.push(d),
    );
    bystander = await connectBystander(h);
    bystander.client.on("big", () => received++);
  });
  after(async () => {
    stalled.forEach((s) => {
      s.close();
    });
    await h.close();
  });
  beforeEach(() => {
    reports.length = 0;
  });

  /** Broadcasts 64 KB to everyone, one per turn of the event loop, until `socket` is disconnected; returns how many. */
  async function broadcastUntilGone(socket: ServerSocket): Promise<number> {
    const chunk = "b".repeat(64 * KB);
    let sent = 0;
    while (socket.connected && sent < 1000) {
      h.io.emit("big", chunk);
      sent++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return sent;
  }

  it("the engine options pass through the server's options", () => {
    const opts = (h.io.engine as unknown as { opts: Record<string, unknown> }).opts;
    assert.equal(opts.maxBufferedBytes, MAX_BUFFERED);
    assert.equal(opts.maxPacketsPerPayload, 50);
  });

  it('websocket: a client that stops reading is disconnected with "transport buffer full"; the others get every broadcast', async () => {
    received = 0;
    const connection = once<[ServerSocket]>(h.io, "connection");
    const client = await stalledWebSocket(h.url, { send: ["40"], readUntil: "40{" });
    stalled.push(client);
    const [socket] = await connection;
    const disconnected = once<[string]>(socket, "disconnect", { what: "the stalled client's disconnect" });
    const sent = await broadcastUntilGone(socket);
    assert.equal((await disconnected)[0], "transport buffer full");
    assert.ok(sent < 1000, `disconnected after ${sent} broadcasts`);
    assert.equal(reports.length, 1);
    assert.deepEqual(
      { kind: reports[0]!.kind, name: reports[0]!.name, sid: reports[0]!.sid, transport: reports[0]!.transport, limit: reports[0]!.limit },
      {
        kind: "limit",
        name: "maxBufferedBytes",
        sid: (socket.conn as unknown as { id: string }).id,
        transport: "websocket",
        limit: MAX_BUFFERED,
      },
    );
    // a broadcast frame shared by every recipient still counts in full for each of them
    assert.ok(reports[0]!.value! > MAX_BUFFERED);
    await withTimeout(
      waitUntil(() => received === sent, `the bystander to receive all ${sent} broadcasts`),
      "every broadcast at the bystander",
    );
    await bystander.assertAlive();
  });

  it("polling: a client that stops polling is disconnected once the broadcasts it misses pass the bound", async () => {
    received = 0;
    const connection = once<[ServerSocket]>(h.io, "connection");
    const session = await PollingSession.open(h.url);
    assert.equal((await session.post("40")).status, 200);
    assert.match((await session.poll()).body, /^40\{"sid"/);
    const [socket] = await connection;
    const disconnected = once<[string]>(socket, "disconnect");
    const sent = await broadcastUntilGone(socket);
    assert.equal((await disconnected)[0], "transport buffer full");
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.transport, "polling");
    assert.equal(await session.pollUntilGone(1), true, "its session is gone");
    await waitUntil(() => received === sent, `the bystander to receive all ${sent} broadcasts`);
    await bystander.assertAlive();
  });

  it("maxPacketsPerPayload: a POST of 51 packets is answered 400, the socket disconnected, none of them handled", async () => {
    const connection = once<[ServerSocket]>(h.io, "connection");
    const session = await PollingSession.open(h.url);
    assert.equal((await session.post("40")).status, 200);
    assert.match((await session.poll()).body, /^40\{"sid"/);
    const [socket] = await connection;
    let handled = 0;
    socket.on("n", () => handled++);
    const disconnected = once<[string]>(socket, "disconnect");
    const body = Array.from({ length: 51 }, (_, i) => `42["n",${i}]`).join("\x1e");
    assert.equal((await session.post(body)).status, 400);
    assert.equal((await disconnected)[0], "transport error");
    assert.equal(handled, 0);
    assert.equal(reports.length, 1);
    assert.deepEqual([reports[0]!.name, reports[0]!.value, reports[0]!.limit], ["maxPacketsPerPayload", 51, 50]);
    await bystander.assertAlive();
  });
});
