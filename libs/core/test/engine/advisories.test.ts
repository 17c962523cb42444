/**
 * One test per published advisory against engine.io and ws: send that advisory's
 * kind of input, then show that the process is still up and other sessions still work.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket as NetSocket } from "node:net";
import { request as httpRequest } from "node:http";
import { deflateRawSync } from "node:zlib";
import { WebSocket } from "ws";
import { Server } from "@sockline/core/engine";
import {
  assertServerHealthy,
  closed,
  nextConnection,
  openClient,
  pollingHandshake,
  rawWebSocket,
  startServer,
  type TestServer,
} from "./helpers.js";
import { sleep } from "@sockline/e2e/support";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

function upgradeRequest(path: string, extraHeaders = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n${extraHeaders}\r\n`;
}

/** A masked client frame with explicit first byte (FIN/RSV/opcode). */
function clientFrame(firstByte: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  if (payload.length >= 126) throw new Error("test frames are small");
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length]), mask, masked]);
}

function rawConnection(server: TestServer): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

/** Writes raw bytes and waits until the server closes the connection (or a timeout); returns what it answered. */
async function sendRaw(server: TestServer, bytes: Buffer | string, { reset = false, waitMs = 2000 } = {}): Promise<string> {
  const socket = await rawConnection(server);
  socket.removeAllListeners("error");
  socket.on("error", () => {});
  let answer = "";
  socket.on("data", (d) => (answer += d.toString("latin1")));
  socket.write(bytes);
  if (reset) {
    await sleep(20);
    socket.resetAndDestroy();
    return answer;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  socket.destroy();
  return answer;
}

describe("security advisories", () => {
  let server: TestServer;
  let bystander: Awaited<ReturnType<typeof openClient>>;
  const errors: Error[] = [];
  const onUncaught = (err: Error) => errors.push(err);

  before(async () => {
    process.on("uncaughtException", onUncaught);
    server = await startServer({ maxHttpBufferSize: 1000 }, {}, (engine) => {
      engine.on("connection_error", () => {});
    });
    bystander = await openClient(server, { transports: ["websocket"] });
  });

  after(async () => {
    bystander.close();
    await server.close();
    process.off("uncaughtException", onUncaught);
  });

  /** The process is up, nothing escaped as an uncaught exception, the bystander session still echoes, a new one works. */
  async function assertUnaffected(): Promise<void> {
    assert.deepEqual(errors, []);
    assert.equal(bystander.readyState, "open");
    const session = server.engine.clients[bystander.id!];
    assert.ok(session, "the bystander session is still registered");
    const got = new Promise<unknown>((resolve) => bystander.once("message", resolve));
    session.send("still alive");
    assert.equal(await got, "still alive");
    await assertServerHealthy(server, "polling");
  }

  it("engine.io CVE-2020-36048 (huge payloads exhaust memory): messages over maxHttpBufferSize are refused on both transports", async () => {
    assert.equal(new Server().opts.maxHttpBufferSize, 1e6, "the default limit is 1 MB, not the 100 MB of the vulnerable versions");
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    const s = await session;
    const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
    ws.send("4" + "x".repeat(5000));
    assert.equal(await closed(ws), 1009);
    assert.equal(await reason, "transport error");
    const { open } = await pollingHandshake(server);
    const res = await fetch(`${server.url}?EIO=4&transport=polling&sid=${open.sid}`, { method: "POST", body: "4" + "x".repeat(50_000) });
    assert.equal(res.status, 413);
    await assertUnaffected();
  });

  it("engine.io CVE-2022-21676 (invalid WebSocket frame right after the handshake threw): the session closes, nothing throws", async () => {
    // RSV2 set on a text frame, in the same TCP write as the upgrade request (before any listener could be attached)
    const invalid = clientFrame(0x80 | 0x20 | 0x01, Buffer.from("4hi"));
    const answer = await sendRaw(server, Buffer.concat([Buffer.from(upgradeRequest("/engine.io/?EIO=4&transport=websocket")), invalid]));
    assert.match(answer, /^HTTP\/1\.1 101/);
    // same during an upgrade of a polling session
    const { open } = await pollingHandshake(server);
    await sendRaw(server, Buffer.concat([Buffer.from(upgradeRequest(`/engine.io/?EIO=4&transport=websocket&sid=${open.sid}`)), invalid]));
    await assertUnaffected();
  });

  it("engine.io CVE-2022-41940 (an invalid upgrade that errors while being destroyed threw): resets on foreign and engine upgrades", async () => {
    await sendRaw(server, upgradeRequest("/not-the-engine/"), { reset: true });
    await sendRaw(server, upgradeRequest("/engine.io/?EIO=4&transport=websocket"), { reset: true });
    await sendRaw(server, upgradeRequest("/engine.io/?EIO=4&transport=websocket&sid=unknown"), { reset: true });
    // a foreign upgrade nobody answers is ended after destroyUpgradeTimeout
    const answer = await sendRaw(server, upgradeRequest("/not-the-engine/"), { waitMs: 5000 });
    assert.equal(answer, "");
    await assertUnaffected();
  });

  it("engine.io CVE-2023-31125 (crafted transport query on an upgrade threw): prototype names and wrong transports are refused", async () => {
    const { open } = await pollingHandshake(server);
    for (const transport of ["__proto__", "constructor", "toString", "hasOwnProperty", "polling", "webtransport", ""]) {
      for (const sid of ["", `&sid=${open.sid}`, "&sid=__proto__"]) {
        const answer = await sendRaw(server, upgradeRequest(`/engine.io/?EIO=4&transport=${transport}${sid}`));
        assert.match(answer, /^HTTP\/1\.1 400/, `${transport}${sid}`);
      }
    }
    const proto = await fetch(`${server.url}?EIO=4&transport=polling&sid=__proto__`);
    assert.equal(proto.status, 400);
    assert.equal(server.engine.clients[open.sid]?.readyState, "open", "the polling session was not disturbed");
    await assertUnaffected();
  });

  it("engine.io CVE-2026-59724 (details not found; closest documented: polling connection exhaustion, GHSA-r635-g3xr-vw7x): abandoned long-polls do not pile up", async () => {
    const sids: string[] = [];
    const sockets: NetSocket[] = [];
    for (let i = 0; i < 30; i++) {
      const { open } = await pollingHandshake(server);
      sids.push(open.sid);
      // hold a GET open, then vanish without a word
      const socket = await rawConnection(server);
      socket.on("error", () => {});
      socket.write(`GET /engine.io/?EIO=4&transport=polling&sid=${open.sid} HTTP/1.1\r\nHost: x\r\n\r\n`);
      sockets.push(socket);
    }
    await sleep(100);
    for (const socket of sockets) socket.resetAndDestroy();
    const deadline = Date.now() + 10_000;
    const alive = () => sids.filter((sid) => sid in server.engine.clients).length;
    while (alive() > 0 && Date.now() < deadline) await sleep(20);
    assert.equal(alive(), 0, "each abandoned poll closed its session");
    await assertUnaffected();
  });

  it("engine.io CVE-2026-59725 (invalid binary POST requests left hanging): answered 400 at once, even large or chunked", async () => {
    const sizes = [4, 900, 200_000];
    for (const size of sizes) {
      const { open } = await pollingHandshake(server);
      const res = await fetch(`${server.url}?EIO=4&transport=polling&sid=${open.sid}`, {
        method: "POST",
        body: new Uint8Array(size),
        headers: { "Content-Type": "application/octet-stream" },
      });
      assert.equal(res.status, 400, `binary POST of ${size} bytes`);
    }
    // chunked and never finished: still answered
    const { open } = await pollingHandshake(server);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}?EIO=4&transport=polling&sid=${open.sid}`,
        { method: "POST", headers: { "Content-Type": "application/octet-stream" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on("error", () => {});
      req.write(Buffer.alloc(10));
      setTimeout(() => reject(new Error("binary POST left hanging")), 5000).unref();
    });
    assert.equal(status, 400);
    await assertUnaffected();
  });

  it("ws CVE-2024-37890 (upgrade with more headers than maxHeadersCount crashed ws): refused, nothing throws", async () => {
    let junk = "";
    for (let i = 0; i < 2100; i++) junk += `X-Junk-${i}: ${i}\r\n`;
    const path = "/engine.io/?EIO=4&transport=websocket";
    // the Sec-WebSocket-Key comes after the headers Node keeps, so ws sees none
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${junk}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n\r\n`;
    const answer = await sendRaw(server, request);
    assert.doesNotMatch(answer, /^HTTP\/1\.1 101/);
    await assertUnaffected();
  });

  it("ws CVE-2026-48779 (memory exhaustion from tiny fragments): fragments adding up over maxPayload close the connection", async () => {
    const session = nextConnection(server.engine);
    const ws = await rawWebSocket(server);
    const s = await session;
    const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
    ws.send("4", { fin: false });
    for (let i = 0; i < 3000 && ws.readyState === WebSocket.OPEN; i++) ws.send("x", { fin: false });
    // empty fragments too: they carry no payload but each costs the server bookkeeping
    for (let i = 0; i < 3000 && ws.readyState === WebSocket.OPEN; i++) ws.send("", { fin: false });
    assert.equal(await closed(ws), 1009);
    assert.equal(await reason, "transport error");
    await assertUnaffected();
  });

  it("ws CVE-2026-62389 (details not found; closest documented kind: oversized inflated permessage-deflate message) is refused", async () => {
    const deflating = await startServer({ maxHttpBufferSize: 1000, perMessageDeflate: { threshold: 0 } });
    try {
      const session = nextConnection(deflating.engine);
      const ws = new WebSocket(`ws://127.0.0.1:${deflating.port}/engine.io/?EIO=4&transport=websocket`, {
        perMessageDeflate: { threshold: 0 },
      });
      ws.on("error", () => {});
      await new Promise((resolve) => ws.once("open", resolve));
      const s = await session;
      const reason = new Promise<string>((resolve) => s.once("close", (r) => resolve(r)));
      assert.ok(deflateRawSync(Buffer.alloc(1_000_000, 0x41)).length < 2000, "a tiny frame inflating to 1 MB");
      ws.send("4" + "A".repeat(1_000_000));
      assert.equal(await closed(ws), 1009);
      assert.equal(await reason, "transport error");
      await assertServerHealthy(deflating, "websocket");
    } finally {
      await deflating.close();
    }
    await assertUnaffected();
  });
});
