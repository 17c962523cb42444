// Every refusal the Socket.IO layer makes on its own (a limit reached, a protocol violation) reports
// exactly one diagnostic on `io.diagnostics`, naming the connection (engine sid, remote address,
// transport), the namespace and packet type when there are some, the limit and its figures. And
// issue 11, item 8: the attachments of one binary packet share one byte budget.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Diagnostic } from "@sockline/core/engine";
import { DEFAULT_OPTIONS } from "@sockline/core/engine";
import { Server } from "@sockline/core";
import { once, waitUntil } from "@sockline/e2e/support";
import { RawClient } from "../conformance/helpers/raw.js";
import { Fixture, internals } from "./helpers.js";

/** Collects the diagnostics of `io` for the sessions a test names. */
function recordDiagnostics(io: Server): { all: Diagnostic[]; of(sid: string): Diagnostic[] } {
  const all: Diagnostic[] = [];
  io.diagnostics.on("diagnostic", (d) => all.push(d));
  return { all, of: (sid) => all.filter((d) => d.sid === sid) };
}

/** A raw websocket peer that has joined "/". */
async function joined(url: string, raws: RawClient[]): Promise<RawClient> {
  const raw = await RawClient.connect(url);
  raws.push(raw);
  raw.sendPacket("0");
  assert.match(await raw.nextText("CONNECT answer"), /^0\{"sid"/);
  return raw;
}

/** The fields every report names the connection with. */
function connectionOf(raw: RawClient): Pick<Diagnostic, "sid" | "transport"> {
  return { sid: raw.open.sid, transport: "websocket" };
}

describe("Socket.IO-level refusals report one diagnostic each", () => {
  let fx: Fixture;
  let reports: ReturnType<typeof recordDiagnostics>;
  const raws: RawClient[] = [];
  before(async () => {
    fx = await new Fixture({ attachmentTimeout: 100, maxPendingAcks: 3, maxAttachmentBytes: 1000 }).start();
    reports = recordDiagnostics(fx.io);
    fx.io.of("/slow").use((_socket, next) => setTimeout(next, 50));
  });
  afterEach(() => {
    for (const raw of raws.splice(0)) raw.close();
  });
  after(() => fx.close());

  /** Sends `frames` from a peer that joined "/", waits for the server to close it, returns its reports. */
  async function closedFor(...frames: (string | Buffer)[]): Promise<{ raw: RawClient; reports: Diagnostic[] }> {
    const raw = await joined(fx.url, raws);
    for (const frame of frames) typeof frame === "string" ? raw.sendPacket(frame) : raw.sendBinary(frame);
    await raw.waitClosed();
    return { raw, reports: reports.of(raw.open.sid) };
  }

  it("an invalid packet: violation invalid-packet, with its packet type", async () => {
    const { raw, reports: got } = await closedFor('2{"not":"an array"}');
    assert.equal(got.length, 1, JSON.stringify(got));
    const [report] = got;
    assert.deepEqual(pick(report!), { ...connectionOf(raw), kind: "violation", name: "invalid-packet", packetType: "EVENT" });
    assert.equal(report!.action, "connection closed");
    assert.match(report!.message, /event payload must be a non-empty array/);
    assert.match(report!.remoteAddress ?? "", /127\.0\.0\.1/);
  });

  it("maxAttachments: the announced count against the limit", async () => {
    const { raw, reports: got } = await closedFor('599-["a"]');
    assert.equal(got.length, 1);
    assert.deepEqual(pick(got[0]!), {
      ...connectionOf(raw),
      kind: "limit",
      name: "maxAttachments",
      packetType: "BINARY_EVENT",
      value: 99,
      limit: 10,
    });
  });

  it("maxPayloadDepth: named as the server option", async () => {
    const { raw, reports: got } = await closedFor(`2["deep",${"[".repeat(500)}${"]".repeat(500)}]`);
    assert.equal(got.length, 1);
    assert.deepEqual(pick(got[0]!), { ...connectionOf(raw), kind: "limit", name: "maxPayloadDepth", packetType: "EVENT", limit: 100 });
  });

  it("attachmentTimeout: a packet whose attachments stop coming", async () => {
    const { raw, reports: got } = await closedFor(
      '52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      Buffer.alloc(10),
    );
    assert.equal(got.length, 1);
    assert.deepEqual(pick(got[0]!), { ...connectionOf(raw), kind: "limit", name: "attachmentTimeout", limit: 100 });
    assert.match(got[0]!.message, /1 still missing/);
  });

  it("maxAttachmentBytes: the attachments of one packet add up past the budget (each one below it)", async () => {
    const placeholders = [0, 1, 2].map((num) => `{"_placeholder":true,"num":${num}}`).join(",");
    const { raw, reports: got } = await closedFor(`53-["upload",${placeholders}]`, Buffer.alloc(400), Buffer.alloc(400), Buffer.alloc(400));
    assert.equal(got.length, 1);
    assert.deepEqual(pick(got[0]!), {
      ...connectionOf(raw),
      kind: "limit",
      name: "maxAttachmentBytes",
      packetType: "BINARY_EVENT",
      value: 1200,
      limit: 1000,
    });
  });

  it("maxPendingAcks: the socket's namespace and the figures", async () => {
    const raw = await joined(fx.url, raws);
    const socket = [...fx.io.sockets.sockets.values()].find((s) => s.conn.id === raw.open.sid)!;
    for (let i = 0; i < 4; i++) socket.emit("needs-ack", i, () => {});
    await raw.waitClosed();
    const got = reports.of(raw.open.sid);
    assert.equal(got.length, 1);
    assert.deepEqual(pick(got[0]!), { ...connectionOf(raw), kind: "limit", name: "maxPendingAcks", nsp: "/", value: 4, limit: 3 });
  });

  it("a packet in an invalid state (a second CONNECT to a joined namespace): violation unexpected-packet", async () => {
    const { raw, reports: got } = await closedFor("0");
    assert.equal(got.length, 1);
    assert.deepEqual(pick(got[0]!), {
      ...connectionOf(raw),
      kind: "violation",
      name: "unexpected-packet",
      nsp: "/",
      packetType: "CONNECT",
    });
  });

  it("a CONNECT repeated while the first is in the middlewares: ignored, reported, the connection stays", async () => {
    const raw = await RawClient.connect(fx.url);
    raws.push(raw);
    raw.sendPacket("0/slow,");
    raw.sendPacket("0/slow,");
    assert.match(await raw.nextText("CONNECT answer"), /^0\/slow,\{"sid"/);
    const got = reports.of(raw.open.sid);
    assert.equal(got.length, 1);
    assert.deepEqual(pick(got[0]!), {
      ...connectionOf(raw),
      kind: "violation",
      name: "duplicate-connect",
      nsp: "/slow",
      packetType: "CONNECT",
    });
    assert.equal(got[0]!.action, "packet ignored");
    assert.equal(raw.isOpen, true);
  });

  it("attachments within the budget are delivered", async () => {
    const raw = await joined(fx.url, raws);
    const socket = [...fx.io.sockets.sockets.values()].find((s) => s.conn.id === raw.open.sid)!;
    const received = once<[Buffer, Buffer]>(socket, "upload");
    raw.sendPacket('52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    raw.sendBinary(Buffer.alloc(500, 1));
    raw.sendBinary(Buffer.alloc(500, 2));
    const [a, b] = await received;
    assert.deepEqual([a.length, b.length, a[0], b[0]], [500, 500, 1, 2]);
    assert.deepEqual(reports.of(raw.open.sid), []);
  });
});

describe("connectTimeout is reported as a limit", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture({ connectTimeout: 50 }).start();
  });
  after(() => fx.close());

  it("a connection that joins no namespace in time", async () => {
    const reports = recordDiagnostics(fx.io);
    const raw = await RawClient.connect(fx.url);
    try {
      await raw.waitClosed();
      const got = reports.of(raw.open.sid);
      assert.equal(got.length, 1);
      assert.deepEqual(pick(got[0]!), { ...connectionOf(raw), kind: "limit", name: "connectTimeout", limit: 50 });
    } finally {
      raw.close();
    }
  });
});

describe("attachment defaults (issue 11, item 8)", () => {
  it("attachmentTimeout is 10 s and the byte budget of one packet is the engine's maxHttpBufferSize", () => {
    const io = new Server();
    const custom = new Server({ maxHttpBufferSize: 5000 });
    const explicit = new Server({ maxHttpBufferSize: 5000, maxAttachmentBytes: 7000 });
    try {
      assert.equal(internals(io)._limits.attachmentTimeout, 10_000);
      assert.equal(internals(io)._limits.maxAttachmentBytes, DEFAULT_OPTIONS.maxHttpBufferSize);
      assert.equal(internals(custom)._limits.maxAttachmentBytes, 5000);
      assert.equal(internals(explicit)._limits.maxAttachmentBytes, 7000);
    } finally {
      for (const server of [io, custom, explicit]) void server.close();
    }
  });

  it("announced attachments hold at most the budget: 9 of 10 half-megabyte attachments are refused at the third", async () => {
    const fx = await new Fixture().start();
    const raws: RawClient[] = [];
    try {
      const reports = recordDiagnostics(fx.io);
      const raw = await joined(fx.url, raws);
      const placeholders = Array.from({ length: 10 }, (_, num) => `{"_placeholder":true,"num":${num}}`).join(",");
      raw.sendPacket(`510-["upload",${placeholders}]`);
      for (let i = 0; i < 9; i++) raw.sendBinary(Buffer.alloc(500_000));
      await raw.waitClosed();
      await waitUntil(() => reports.of(raw.open.sid).length > 0, "the report");
      assert.deepEqual(pick(reports.of(raw.open.sid)[0]!), {
        ...connectionOf(raw),
        kind: "limit",
        name: "maxAttachmentBytes",
        packetType: "BINARY_EVENT",
        value: 1_500_000,
        limit: 1_000_000,
      });
    } finally {
      for (const raw of raws) raw.close();
      await fx.close();
    }
  });
});

/** The fields a test compares, those set only (the message is checked apart, where it matters). */
function pick(d: Diagnostic): Partial<Diagnostic> {
  const fields = ["sid", "transport", "kind", "name", "nsp", "packetType", "value", "limit"] as const;
  return Object.fromEntries(fields.filter((field) => d[field] !== undefined).map((field) => [field, d[field]]));
}
