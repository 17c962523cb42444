#!/usr/bin/env node
// Runs every compiled test file of the workspace with Node's own test runner.
// Tests are TypeScript compiled by `tsc -b` (so decorator metadata survives), found under each
// package's dist-test/ and under test/dist/. Extra arguments narrow the run to files whose path
// contains one of them, e.g. `npm test -- engine`.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const roots = ["libs", "apps"].flatMap((top) =>
  readdirSync(join(root, top)).map((name) => join(root, top, name, "dist-test")),
);
roots.push(join(root, "test", "dist"));

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const files = roots
  .flatMap((dir) => collect(dir, []))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

if (files.length === 0) {
  console.error("no test files found: did `npm run build` run?");
  process.exit(1);
}
console.log(`running ${files.length} test files`);
// The bound of each test, and of each file as a whole: a hang fails instead of stalling the suite. It
// fits the slowest file, test/src/packaging.test.ts (npm pack, an npm install, several TypeScript 5
// type-checks of every .d.ts), with room for a loaded machine.
const TEST_TIMEOUT_MS = 300_000;
const result = spawnSync(
  process.execPath,
  ["--test", `--test-timeout=${TEST_TIMEOUT_MS}`, ...files.map((f) => relative(root, f))],
  { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "test" } },
);
process.exit(result.status ?? 1);
