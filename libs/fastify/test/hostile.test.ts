// Hostile clients against the Fastify plugin (issue 11): a pipelined upgrade (item 1), upgrades held
// by a slow hook (item 9), and the diagnostics of every refusal in Fastify's log, rate-limited.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { socketioPlugin, type SocklineFastifyOptions } from "@sockline/fastify";
import { captureLogs, listen, type LogLine } from "./helpers.js";
import { connected, openClient, pipelined, rawUpgrade, rawUpgradeRequest, violateProtocol, waitUntil } from "@sockline/e2e/support";

const WARN = 40;
const FIRST = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/** The warn lines that carry a diagnostic of `name`. */
function diagnosticLines(lines: LogLine[], name?: string): LogLine[] {
  return lines.filter(
    (line) => line.level === WARN && line.diagnostic !== undefined && (name === undefined || line.diagnostic.name === name),
  );
}

describe("@sockline/fastify against hostile clients", () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: SocklineFastifyOptions = {}, level = "warn", setUp?: (app: FastifyInstance) => void) {
    const logs = captureLogs();
    app = Fastify({ logger: { level, stream: logs.stream } });
    app.get("/x", async () => "first /x");
    setUp?.(app);
    await app.register(socketioPlugin, options);
    return { url: await listen(app), lines: logs.lines, app };
  }

  it("an upgrade pipelined behind an ordinary request (no hooks): the request is answered, then the upgrade is served", async () => {
    const { url } = await start();
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
    await connection.receive(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nfirst \/xHTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*0\{"sid"/,
      "the 200, then the 101",
    );
    assert.equal(app!.io.engine.clientsCount, 1);
    connection.socket.destroy();
    await waitUntil(() => app!.io.engine.clientsCount === 0, "the session to end");
  });

  it("a pipelined upgrade refused by a hook is answered after a slow earlier request", async () => {
    const { url } = await start({}, "warn", (fastify) => {
      fastify.addHook("onRequest", async (request, reply) => {
        if (request.headers.upgrade !== undefined) return reply.code(401).send("no");
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
    });
    const connection = await pipelined(url, [FIRST, rawUpgradeRequest()]);
    await connection.receive(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*first \/xHTTP\/1\.1 401 Unauthorized\r\n[\s\S]*\r\n\r\nno$/,
      "the 200, then the 401",
    );
    await connection.closed;
  });

  it("upgrades held by a slow hook past maxPendingUpgrades are answered 503 at once and logged at warn", async () => {
    const held: (() => void)[] = [];
    const { url, lines } = await start({ maxPendingUpgrades: 2 }, "warn", (fastify) => {
      fastify.addHook("onRequest", async (request) => {
        if (request.headers.upgrade !== undefined) await new Promise<void>((release) => held.push(release));
      });
    });
    const holding = [rawUpgrade(url), rawUpgrade(url)];
    await waitUntil(() => held.length === 2, "two upgrades held by the hook");
    const refused = await rawUpgrade(url);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers["retry-after"], "1");
    const [line] = diagnosticLines(lines, "maxPendingUpgrades");
    assert.ok(line, `a warn line, got ${JSON.stringify(lines)}`);
    assert.equal(line.plugin, "@sockline/fastify");
    assert.deepEqual([line.diagnostic!.value, line.diagnostic!.limit, line.diagnostic!.action], [2, 2, "upgrade refused (503)"]);
    assert.match(line.msg, /^sockline limit maxPendingUpgrades: .*\(upgrade refused \(503\)\)$/);
    for (const release of held.splice(0)) release();
    assert.deepEqual(
      (await Promise.all(holding)).map((answer) => answer.status),
      [101, 101],
    );
  });

  it("a client breaking the protocol: one warn line with the diagnostic and its connection", async () => {
    const { url, lines } = await start();
    const sid = await violateProtocol(url);
    await waitUntil(() => diagnosticLines(lines).length > 0, "the warn line");
    const found = diagnosticLines(lines);
    assert.equal(found.length, 1);
    assert.deepEqual(
      {
        name: found[0]!.diagnostic!.name,
        kind: found[0]!.diagnostic!.kind,
        sid: found[0]!.diagnostic!.sid,
        packetType: found[0]!.diagnostic!.packetType,
      },
      { name: "invalid-packet", kind: "violation", sid, packetType: "EVENT" },
    );
    assert.match(found[0]!.msg, new RegExp(`sid ${sid}`));
  });

  it("a flood is rate-limited: 10 lines per window, the rest counted in one line", async () => {
    const { url, lines } = await start();
    for (let i = 0; i < 15; i++) await violateProtocol(url);
    assert.equal(diagnosticLines(lines).length, 10);
    await app!.close();
    app = undefined;
    const summary = lines.filter((line) => line.diagnostic?.kind === "suppressed");
    assert.equal(summary.length, 1, "the count of the rest is logged when the plugin closes");
    assert.equal(summary[0]!.diagnostic!.suppressed, 5);
  });

  it("logDiagnostics: false logs none (they stay on io.diagnostics)", async () => {
    const { url, lines, app: fastify } = await start({ logDiagnostics: false });
    let reported = 0;
    fastify.io.diagnostics.on("diagnostic", () => reported++);
    await violateProtocol(url);
    await waitUntil(() => reported === 1, "the diagnostic");
    assert.deepEqual(diagnosticLines(lines), []);
  });

  it("the per-connection debug listeners are only added when the logger writes debug lines", async () => {
    for (const level of ["info", "debug"]) {
      const { url } = await start({}, level);
      const client = openClient(url, { transports: ["websocket"] });
      try {
        await connected(client);
        const conn = [...app!.io.of("/").sockets.values()][0]!.conn;
        assert.equal(conn.listenerCount("upgrade"), level === "debug" ? 1 : 0, level);
      } finally {
        client.close();
        await app!.close();
        app = undefined;
      }
    }
  });
});
