import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Framework } from "@sockline/chat";
import { chatClient, connected } from "./helpers.js";
import { nextEvent, redisServerSkipReason, startRedisServer } from "@sockline/e2e/support";
import { startMain } from "./chat-process.js";

describe("the chat process (npm start)", () => {
  const cases: Array<{ framework: Framework; args: string[]; env?: Record<string, string> }> = [
    { framework: "fastify", args: [] },
    { framework: "express", args: ["--framework=express"] },
    { framework: "nestjs", args: [], env: { SOCKLINE_FRAMEWORK: "nestjs" } },
  ];
  for (const { framework, args, env } of cases) {
    it(`starts on ${framework}, logs its URL, and stops cleanly on SIGTERM`, async () => {
      const main = startMain(args, env);
      try {
        const url = await main.url;
        assert.match(main.output(), new RegExp(`Sockline chat on ${framework} \\(in-memory adapter\\): open http://127\\.0\\.0\\.1:\\d+`));
        const page = await fetch(url);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<title>Sockline chat<\/title>/);

        // On websocket from the start: a client caught mid-upgrade at shutdown is a different story.
        const client = await connected(chatClient(url, "ann", { transports: ["websocket"] }));
        // GET /metrics: the server's figures in the Prometheus text format
        const metrics = await fetch(`${url}/metrics`);
        assert.equal(metrics.status, 200);
        assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
        assert.match(await metrics.text(), /^socketio_connected_clients\{namespace="[^"]+",transport="websocket"\} 1$/m);
        const disconnected = nextEvent(client, "disconnect");
        main.child.kill("SIGTERM");
        // The server disconnects its clients itself: not a transport error seen by the client.
        assert.equal(await disconnected, "io server disconnect");
        client.close();
        // The process exits on its own (nothing left open), not through process.exit.
        const [code, signal] = await main.exited;
        assert.equal(signal, null);
        assert.equal(code, 0, main.output());
        assert.match(main.output(), /chat server closed/);
      } finally {
        if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill("SIGKILL");
      }
    });
  }

  it("--workers=2: two cluster workers serve the chat, and SIGTERM stops them and the primary", async () => {
    const main = startMain(["--workers=2"]);
    try {
      const url = await main.url;
      assert.match(main.output(), /Sockline chat on fastify, 2 cluster workers, no sticky sessions \(cluster adapter\)/);
      const client = await connected(chatClient(url, "ann", { transports: ["websocket"] }));
      const disconnected = nextEvent(client, "disconnect");
      main.child.kill("SIGTERM");
      assert.equal(await disconnected, "io server disconnect");
      client.close();
      const [code, signal] = await main.exited;
      assert.equal(signal, null);
      assert.equal(code, 0, main.output());
      assert.match(main.output(), /SIGTERM: stopping 2 workers/);
    } finally {
      if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill("SIGKILL");
    }
  });

  it("refuses an invalid --workers with a clear message", async () => {
    const main = startMain(["--workers=0"]);
    const [code] = await main.exited;
    assert.equal(code, 1);
    assert.match(main.output(), /chat: cannot start: invalid --workers "0": a number from 1 to 64/);
  });

  it("refuses an unknown framework with a clear message", async () => {
    const main = startMain(["--framework=koa"]);
    const [code] = await main.exited;
    assert.equal(code, 1);
    assert.match(main.output(), /unknown framework "koa": use --framework=fastify\|express\|nestjs/);
  });

  it("names REDIS_URL when it is not a Redis URL", async () => {
    const main = startMain([], { REDIS_URL: "notaurl" });
    const [code] = await main.exited;
    assert.equal(code, 1);
    assert.match(main.output(), /chat: cannot start: REDIS_URL "notaurl" is not a URL: expected redis:\/\/host:port/);
  });

  it("names --redis when the flag has the wrong protocol", async () => {
    const main = startMain(["--redis=http://127.0.0.1:6379"]);
    const [code] = await main.exited;
    assert.equal(code, 1);
    assert.match(main.output(), /chat: cannot start: --redis "http:\/\/127\.0\.0\.1:6379" has protocol "http:"/);
  });

  it("closes with its closing line on SIGINT while Redis is down, after a client connected", {
    skip: redisServerSkipReason(),
  }, async () => {
    const redis = await startRedisServer();
    const main = startMain([], { REDIS_URL: redis.url });
    try {
      const url = await main.url;
      assert.match(main.output(), /Redis adapter at redis:\/\/127\.0\.0\.1:\d+/);
      const client = await connected(chatClient(url, "ann", { transports: ["websocket"] }));
      const outage = new Promise<void>((resolve) => {
        const onData = () => /is unreachable/.test(main.output()) && resolve();
        main.child.stderr.on("data", onData);
      });
      await redis.stop();
      await outage; // the chat saw the outage: commands now queue for a server that is gone
      main.child.kill("SIGINT");
      const [code, signal] = await main.exited;
      client.close();
      assert.equal(signal, null);
      assert.equal(code, 0, main.output());
      assert.match(main.output(), /SIGINT: disconnecting clients and closing the server\.\.\.\s+chat server closed/);
    } finally {
      if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill("SIGKILL");
      await redis.stop();
    }
  });
});
