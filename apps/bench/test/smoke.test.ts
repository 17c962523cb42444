// Smoke run of the benchmark harness, part of `npm test` so the harness never rots: every scenario
// runs for about one second with tiny client counts against one implementation, in real processes
// over 127.0.0.1, and must produce parsable JSON lines with non-zero results. No timing thresholds.
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("../dist/run.js", import.meta.url));

/** The implementation the smoke run measures. */
const SMOKE_IMPL = "sockline";

/** The number that must be positive in each scenario's result. */
const PRIMARY_METRIC: Record<string, string> = {
  echo: "opsPerSec",
  fanout: "deliveriesPerSec",
  "fanout-room": "deliveriesPerSec",
  memory: "heapPerConnKB",
  connect: "handshakesPerSec",
  polling: "opsPerSec",
  binary: "mbPerSec",
  crossnode: "deliveriesPerSec",
  // Sockline drops the paused client once more than maxBufferedBytes wait for it
  "slow-consumer": "pausedDropped",
  "routed-polling": "routedOpsPerSec",
  "routed-ws": "relayedOpsPerSec",
  "routed-polling-ipc": "routedOpsPerSec",
  "routed-ws-ipc": "relayedOpsPerSec",
};

/** Scenarios that need a redis-server (and the Redis adapter): skipped, with a reason, where there is none. */
const REDIS_SCENARIOS = ["crossnode", "routed-polling", "routed-ws"];

interface Parsed {
  type: string;
  scenario?: string;
  impl?: string;
  ok?: boolean;
  reason?: string;
  error?: string;
  metrics?: Record<string, number>;
}

function runSmoke(out: string, children: ChildProcess[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, "--smoke", `--impls=${SMOKE_IMPL}`, `--out=${out}`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe(`bench smoke (${SMOKE_IMPL})`, () => {
  const out = mkdtempSync(join(tmpdir(), "sockline-bench-smoke-"));
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(out, { recursive: true, force: true });
  });

  it("runs every scenario for about a second and reports a sane JSON line for each", { timeout: 240_000 }, async () => {
    const { code, stdout, stderr } = await runSmoke(out, children);
    const lines = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Parsed);

    const errors = lines.filter((line) => line.type === "error");
    assert.deepEqual(errors, [], `failed runs:\n${stderr}`);
    const verification = lines.find((line) => line.type === "verify" && line.impl === SMOKE_IMPL);
    assert.ok(verification?.ok, `official socket.io-client verification failed: ${JSON.stringify(verification)}`);

    for (const [scenario, metric] of Object.entries(PRIMARY_METRIC)) {
      const result = lines.find((line) => line.type === "result" && line.scenario === scenario);
      if (!result) {
        // Only the Redis scenarios may be skipped (no Redis adapter or no redis-server), with a reason.
        const skip = lines.find((line) => line.type === "skip" && line.scenario === scenario);
        assert.ok(REDIS_SCENARIOS.includes(scenario), `no result for ${scenario}:\n${stderr}`);
        assert.ok(skip?.reason, `${scenario} neither ran nor was skipped with a reason`);
        continue;
      }
      assert.equal(result.impl, SMOKE_IMPL);
      const value = result.metrics?.[metric];
      assert.ok(typeof value === "number" && Number.isFinite(value) && value > 0, `${scenario}.${metric} = ${value}`);
      if (scenario === "memory" || scenario === "slow-consumer")
        assert.equal(result.metrics?.["connectionsLeft"], 0, "every client disconnected");
      if (scenario !== "memory") assert.ok(result.metrics!["seconds"]! > 0);
    }
    assert.equal(code, 0, stderr);

    const written = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n");
    assert.equal(written.length, lines.length, "results.jsonl holds the same lines as stdout");
    assert.ok(existsSync(join(out, "summary.md")));
    assert.match(readFileSync(join(out, "ratios.svg"), "utf8"), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(stdout, /## Summary/);
  });
});
