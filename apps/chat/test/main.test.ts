import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Framework } from "@sockline/chat";
import { chatClient, connected, nextEvent } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** `node apps/chat/dist/main.js` as a user runs it (`npm start`), on a free port. */
function startMain(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", REDIS_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const url = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /open (http:\/\/\S+)/.exec(stdout);
      if (match) {
        child.stdout.off("data", onData);
        resolve(match[1]!);
      }
    };
    child.stdout.on("data", onData);
    void exited.then(([code]) => reject(new Error(`main.js exited (${code}) before listening: ${stdout}${stderr}`)));
  });
  return { child, url, exited, output: () => stdout + stderr };
}

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

        const client = await connected(chatClient(url, "ann"));
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

  it("refuses an unknown framework with a clear message", async () => {
    const main = startMain(["--framework=koa"]);
    const [code] = await main.exited;
    assert.equal(code, 1);
    assert.match(main.output(), /unknown framework "koa": use --framework=fastify\|express\|nestjs/);
  });
});
