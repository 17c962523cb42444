#!/usr/bin/env node
// Runs every compiled test file of the workspace with Node's own test runner.
// Tests are TypeScript compiled by `tsc -b` (so decorator metadata survives), found under each
// package's dist-test/ and under test/dist/. Extra arguments narrow the run to files whose path
// (from the workspace root) contains one of them, e.g. `npm test -- engine`.
//
// A full run (no argument) also checks what the tests alone cannot: it runs the suite once under
// c8 (coverage of every package's sources, .c8rc.json) and then checks each package's coverage
// floor (scripts/coverage-floors.mjs), and it lints the sources (Biome, biome.jsonc; the formatting
// too). `--no-coverage` skips the coverage step of a full run.
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { checkCoverageFloors } from "./coverage-floors.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const requireHere = createRequire(import.meta.url);
const roots = ["libs", "apps"].flatMap((top) => readdirSync(join(root, top)).map((name) => join(root, top, name, "dist-test")));
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

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith("--"));
const fullRun = filters.length === 0;
const withCoverage = fullRun && !args.includes("--no-coverage");
const files = roots
  .flatMap((dir) => collect(dir, []))
  .map((file) => relative(root, file))
  .filter((file) => fullRun || filters.some((f) => file.includes(f)))
  .sort();

if (files.length === 0) {
  console.error("no test files found: did `npm run build` run?");
  process.exit(1);
}

// A full run also checks the formatting (`biome format`): unformatted code fails `npm test`
// (`npm run format` formats it).
const FORMAT_CHECK = true;

const failures = [];
if (fullRun) {
  // Before the tests: a finding is reported at once, but the tests still run.
  const lint = spawnSync(process.execPath, [biomeBin(), "lint", "--error-on-warnings"], { cwd: root, stdio: "inherit" });
  if (lint.status !== 0) failures.push("lint (Biome): see the findings above; `npm run lint` shows them again");
  if (FORMAT_CHECK) {
    const format = spawnSync(process.execPath, [biomeBin(), "format"], { cwd: root, stdio: "inherit" });
    if (format.status !== 0) failures.push("format (Biome): `npm run format` formats the files listed above");
  }
}

console.log(`running ${files.length} test files${withCoverage ? " under c8 (coverage)" : ""}`);
// The output goes through a pipe (to read the counts): keep the terminal's reporter for a person.
const reporter = process.stdout.isTTY ? ["--test-reporter=spec"] : [];
// The bound of each test, and of each file as a whole: a hang fails instead of stalling the suite. It
// fits the slowest file, test/src/packaging.test.ts (npm pack, an npm install, several TypeScript 5
// type-checks of every .d.ts), with room for a loaded machine.
const TEST_TIMEOUT_MS = 300_000;
const testRunner = [process.execPath, "--test", `--test-timeout=${TEST_TIMEOUT_MS}`, ...reporter, ...files];
const command = withCoverage ? [requireHere.resolve("c8/bin/c8.js"), ...testRunner] : testRunner.slice(1);
const result = await runStreaming(command);
if (result.status !== 0) failures.push(`tests: node --test exited with ${result.status ?? result.signal}`);

if (withCoverage) {
  const problems = checkCoverageFloors(root, { print: true });
  if (problems.length > 0) failures.push(...problems.map((problem) => `coverage: ${problem}`));
}

// The count again on the last lines: the coverage report and the floors are printed after node's own summary.
const { pass, fail, skipped } = result.counts;
if (pass !== undefined && fail !== undefined)
  console.log(`\ntests: ${pass} passed, ${fail} failed${skipped ? `, ${skipped} skipped` : ""}`);

if (failures.length > 0) {
  console.error(`\nnpm test failed:\n${failures.map((failure) => `- ${failure}`).join("\n")}`);
  process.exit(1);
}

function biomeBin() {
  return requireHere.resolve("@biomejs/biome/bin/biome");
}

/** Runs `node …args`, passing its output through, and reads the runner's `pass N` / `fail N` summary. */
function runStreaming(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ["inherit", "pipe", "inherit"],
      env: { ...process.env, NODE_ENV: "test" },
    });
    const counts = {};
    let partial = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop();
      for (const line of lines) {
        const match = /^(?:# |\u2139 )(pass|fail|skipped) (\d+)$/.exec(stripVTControlCharacters(line));
        if (match) counts[match[1]] = Number(match[2]);
      }
    });
    child.on("close", (status, signal) => resolve({ status, signal, counts }));
  });
}
