// Upgrades on their way through a framework (routeUpgrades): pipelined behind an ordinary request
// (issue 11, item 1), and bounded in number while a slow middleware holds them (item 9).
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { afterEach, describe, it } from "node:test";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { Diagnostics, type Diagnostic } from "@sockline/core/engine";
import { DEFAULT_MAX_PENDING_UPGRADES, pendingUpgradeOf } from "@sockline/core/integration";
import { pipelined, rawUpgradeRequest, waitUntil } from "@sockline/e2e/support";
import { MiniFramework, rawUpgrade, WS_HANDSHAKE } from "./helpers.js";

const FIRST = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

describe("integration: an upgrade pipelined behind an ordinary request", () => {
  let fw: MiniFramework | undefined;
  afterEach(async () => {
    await fw?.close();
    fw = undefined;
  });

  it("goes through the middleware while the earlier answer is still pending, and is served after it", async () => {
    fw = new MiniFramework();
    let answerFirst: (() => void) | undefined;
    let sawUpgrade = false;
    fw.middlewares = [
      (req, res, next) => {
        if (pendingUpgradeOf(req) !== undefined) {
          sawUpgrade = true;
          res.setHeader("x-seen-by", "middleware");
          return next();
        }
        if (req.url === "/x") return void (answerFirst = () => res.end("first /x"));
        next();
      },
    ];
    const url = await fw.listen();
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest("/rt/")]);
    await waitUntil(() => answerFirst !== undefined && sawUpgrade, "both requests to be in the framework");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(connection.received(), "", "nothing written ahead of the first answer");
    answerFirst!();
    const [, handshake] = await connection.receive(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*?first \/x(HTTP\/1\.1 101 [\s\S]*?\r\n\r\n)[\s\S]*0\{"sid"/,
      "the 200, then the 101",
    );
    assert.match(handshake!, /x-seen-by: middleware/i);
    connection.socket.destroy();
    await waitUntil(() => fw!.io.engine.clientsCount === 0, "the session to end");
  });

  it("a middleware refusal is written after the earlier answer", async () => {
    fw = new MiniFramework();
    fw.middlewares = [
      (req, res, next) => {
        if (pendingUpgradeOf(req) !== undefined) return void res.writeHead(403).end("forbidden");
        if (req.url === "/x") return void setTimeout(() => res.end("first /x"), 20);
        next();
      },
    ];
    const url = await fw.listen();
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest("/rt/")]);
    await connection.receive(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*first \/xHTTP\/1\.1 403 Forbidden\r\n[\s\S]*forbidden$/,
      "the 200, then the 403",
    );
    await connection.closed;
    assert.equal(fw.io.engine.clientsCount, 0);
  });

  it("still waiting for the earlier answer at the routing timeout: the connection is closed", async () => {
    fw = new MiniFramework(50);
    let answerFirst: (() => void) | undefined;
    fw.middlewares = [
      (req, res, next) => {
        if (pendingUpgradeOf(req) !== undefined) return; // holds it
        if (req.url === "/x") return void (answerFirst = () => res.end("late"));
        next();
      },
    ];
    const url = await fw.listen();
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest("/rt/")]);
    await connection.closed;
    assert.deepEqual(
      fw.problems.map((p) => p.kind),
      ["timeout"],
    );
    answerFirst?.();
  });
});

describe("integration: maxPendingUpgrades", () => {
  let fw: MiniFramework | undefined;
  afterEach(async () => {
    await fw?.close();
    fw = undefined;
  });

  /** A framework whose middleware holds every upgrade until `releaseAll()`. */
  function holdingFramework(maxPendingUpgrades: number | undefined, reports: Diagnostic[]) {
    const held: (() => void)[] = [];
    const framework = new MiniFramework(undefined, { maxPendingUpgrades, diagnostics: fwDiagnostics(reports) });
    framework.middlewares = [
      (req, _res, next) => {
        if (pendingUpgradeOf(req) !== undefined && req.headers["x-pass"] === undefined) held.push(next);
        else next();
      },
    ];
    return {
      framework,
      held,
      releaseAll: () =>
        held.splice(0).forEach((next) => {
          next();
        }),
    };
  }

  it("past the bound an upgrade is answered 503 with Retry-After at once, and reported; held ones are served once released", async () => {
    const reports: Diagnostic[] = [];
    const { framework, held, releaseAll } = holdingFramework(2, reports);
    fw = framework;
    const url = await fw.listen();
    const first = rawUpgrade(url, WS_HANDSHAKE);
    const second = rawUpgrade(url, WS_HANDSHAKE);
    await waitUntil(() => held.length === 2, "two upgrades held by the middleware");
    const third = await rawUpgrade(url, WS_HANDSHAKE);
    assert.equal(third.status, 503);
    assert.equal(third.headers["retry-after"], "1");
    assert.equal(held.length, 2, "the refused upgrade never reached the middleware");
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.deepEqual(
      { kind: report!.kind, name: report!.name, action: report!.action, value: report!.value, limit: report!.limit },
      { kind: "limit", name: "maxPendingUpgrades", action: "upgrade refused (503)", value: 2, limit: 2 },
    );
    assert.match(report!.remoteAddress ?? "", /127\.0\.0\.1/);
    releaseAll();
    assert.deepEqual([(await first).status, (await second).status], [101, 101]);
    // the slots are free again
    assert.equal((await rawUpgrade(url, WS_HANDSHAKE, { "x-pass": "1" })).status, 101);
  });

  it("a held upgrade whose peer goes away (FIN) frees its slot and its socket", async () => {
    const reports: Diagnostic[] = [];
    const { framework, held } = holdingFramework(1, reports);
    fw = framework;
    const url = await fw.listen();
    let serverSide: Duplex | undefined;
    fw.http.once("upgrade", (_req: IncomingMessage, socket: Duplex) => (serverSide = socket));
    const socket = connect(Number(new URL(url).port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(rawUpgradeRequest("/rt/"));
    await waitUntil(() => held.length === 1, "the upgrade to be held");
    socket.end();
    await waitUntil(() => serverSide?.destroyed === true, "the server side of the connection to be closed");
    assert.equal((await rawUpgrade(url, WS_HANDSHAKE, { "x-pass": "1" })).status, 101, "the slot is free again");
    assert.deepEqual(reports, []);
    socket.destroy();
  });

  it("defaults to 256 held upgrades per mount; 0 lifts the bound", async () => {
    assert.equal(DEFAULT_MAX_PENDING_UPGRADES, 256);
    const reports: Diagnostic[] = [];
    const { framework, held, releaseAll } = holdingFramework(0, reports);
    fw = framework;
    const url = await fw.listen();
    const answers = Array.from({ length: 5 }, () => rawUpgrade(url, WS_HANDSHAKE));
    await waitUntil(() => held.length === 5, "five upgrades held");
    releaseAll();
    assert.deepEqual(
      (await Promise.all(answers)).map((a) => a.status),
      [101, 101, 101, 101, 101],
    );
    assert.deepEqual(reports, []);
  });

  it("the routing timeout is reported as a limit too (upgradeRoutingTimeout, 408)", async () => {
    const reports: Diagnostic[] = [];
    fw = new MiniFramework(30, { diagnostics: fwDiagnostics(reports) });
    fw.middlewares = [(_req: IncomingMessage) => {}];
    const url = await fw.listen();
    assert.equal((await rawUpgrade(url, WS_HANDSHAKE)).status, 408);
    assert.deepEqual(
      reports.map((r) => [r.kind, r.name, r.action, r.limit]),
      [["limit", "upgradeRoutingTimeout", "upgrade refused (408)", 30]],
    );
  });
});

/** Where the route reports its refusals (a mount passes its server's `io.diagnostics`), recorded into `reports`. */
function fwDiagnostics(reports: Diagnostic[]): Diagnostics {
  const diagnostics = new Diagnostics();
  diagnostics.on("diagnostic", (d) => reports.push(d));
  return diagnostics;
}
