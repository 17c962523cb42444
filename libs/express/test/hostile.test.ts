// Hostile clients against the Express mount (issue 11): a pipelined upgrade (item 1), upgrades held
// by a slow middleware (item 9), and the diagnostics of every refusal in the `logger`, rate-limited.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Server as HttpServer } from "node:http";
import express, { type Application } from "express";
import type { Server } from "@sockline/core";
import { sockline, type SocklineExpressOptions } from "@sockline/express";
import { appListen } from "./helpers.js";
import { closeServer, pipelined, rawUpgrade, rawUpgradeRequest, violateProtocol, waitUntil } from "@sockline/e2e/support";

const FIRST = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

interface Warned {
  message: string;
  diagnostic: Record<string, unknown>;
}

describe("@sockline/express against hostile clients", () => {
  let io: Server | undefined;
  let server: HttpServer | undefined;
  afterEach(async () => {
    await io?.close();
    if (server) await closeServer(server);
    io = server = undefined;
  });

  /** An app with `before` middleware, the mount, and a /x route; its warn lines are collected. */
  async function start(options: SocklineExpressOptions = {}, before?: (app: Application) => void) {
    const warned: Warned[] = [];
    const app = express();
    before?.(app);
    io = sockline(app, { logger: { warn: (message, diagnostic) => warned.push({ message, diagnostic: { ...diagnostic } }) }, ...options });
    app.get("/x", (_req, res) => void res.send("first /x"));
    let url: string;
    ({ server, url } = await appListen(app));
    return { url, warned, io };
  }

  it("an upgrade pipelined behind an ordinary request (no middleware): the request is answered, then the upgrade is served", async () => {
    const { url } = await start();
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
    await connection.receive(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nfirst \/xHTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*0\{"sid"/,
      "the 200, then the 101",
    );
    assert.equal(io!.engine.clientsCount, 1);
    connection.socket.destroy();
    await waitUntil(() => io!.engine.clientsCount === 0, "the session to end");
  });

  it("a pipelined upgrade refused by a middleware is answered after a slow earlier request", async () => {
    const { url } = await start({}, (app) =>
      app.use((req, res, next) => {
        if (req.headers.upgrade !== undefined) return void res.status(401).send("no");
        setTimeout(next, 20);
      }),
    );
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
    await connection.receive(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*first \/xHTTP\/1\.1 401 Unauthorized\r\n[\s\S]*\r\n\r\nno$/,
      "the 200, then the 401",
    );
    await connection.closed;
  });

  it("upgrades held by a slow middleware past maxPendingUpgrades are answered 503 at once and logged", async () => {
    const held: (() => void)[] = [];
    const { url, warned } = await start({ maxPendingUpgrades: 2 }, (app) =>
      app.use((req, _res, next) => {
        if (req.headers.upgrade !== undefined) held.push(next);
        else next();
      }),
    );
    const holding = [rawUpgrade(url), rawUpgrade(url)];
    await waitUntil(() => held.length === 2, "two upgrades held by the middleware");
    const refused = await rawUpgrade(url);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers["retry-after"], "1");
    assert.equal(warned.length, 1);
    assert.deepEqual([warned[0]!.diagnostic.name, warned[0]!.diagnostic.value, warned[0]!.diagnostic.limit], ["maxPendingUpgrades", 2, 2]);
    assert.match(warned[0]!.message, /^sockline limit maxPendingUpgrades: .*\(upgrade refused \(503\)\)$/);
    for (const next of held.splice(0)) next();
    assert.deepEqual(
      (await Promise.all(holding)).map((answer) => answer.status),
      [101, 101],
    );
  });

  it("a client breaking the protocol: one line with the diagnostic and its connection", async () => {
    const { url, warned } = await start();
    const sid = await violateProtocol(url);
    await waitUntil(() => warned.length > 0, "the warn line");
    assert.equal(warned.length, 1);
    assert.deepEqual([warned[0]!.diagnostic.name, warned[0]!.diagnostic.sid], ["invalid-packet", sid]);
    assert.match(warned[0]!.message, new RegExp(`sid ${sid}`));
  });

  it("a flood is rate-limited: 10 lines per window, the rest counted in one line when the server closes", async () => {
    const { url, warned } = await start();
    for (let i = 0; i < 15; i++) await violateProtocol(url);
    assert.equal(warned.length, 10);
    await io!.close();
    io = undefined;
    assert.equal(warned.length, 11);
    assert.deepEqual([warned[10]!.diagnostic.kind, warned[10]!.diagnostic.suppressed], ["suppressed", 5]);
  });

  it("logs to console.warn by default; logger: false logs nothing", async () => {
    const original = console.warn;
    const printed: unknown[][] = [];
    console.warn = (...args: unknown[]) => void printed.push(args);
    try {
      const { url } = await start({ logger: undefined });
      await violateProtocol(url);
      await waitUntil(() => printed.length > 0, "the console line");
      assert.match(String(printed[0]![0]), /^sockline violation invalid-packet: /);
      assert.equal((printed[0]![1] as { name?: string }).name, "invalid-packet");
      await io!.close();
      await closeServer(server!);
      io = server = undefined;

      printed.length = 0;
      const silent = await start({ logger: false });
      let reported = 0;
      silent.io.diagnostics.on("diagnostic", () => reported++);
      await violateProtocol(silent.url);
      await waitUntil(() => reported === 1, "the diagnostic");
      assert.deepEqual(printed, []);
    } finally {
      console.warn = original;
    }
  });
});
