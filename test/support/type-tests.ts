// Type tests of the public types: `*.test-d.ts` files beside a package's runtime tests, compiled (never
// run) by TypeScript 5, the compiler most users build with, against the packages' published
// declarations. Valid uses must compile, and each misuse sits under a `// @ts-expect-error` line, so a
// misuse that starts to compile fails too (tsc reports an unused @ts-expect-error). The workspace
// build (TypeScript 7) leaves these files out (each test tsconfig excludes `**/*.test-d.ts`): a file
// may augment a module (e.g. `app.io`'s event maps), which must not leak into the runtime tests.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The options the workspace builds with (tsconfig.base.json), as a consumer's strict project would.
 * `--skipLibCheck` as most projects have it: declaration files are parsed (a construct TypeScript 5
 * cannot read fails) but not checked inside, which keeps a run at seconds instead of half a minute.
 */
const COMPILER_FLAGS = [
  "--noEmit",
  "--pretty",
  "false",
  "--strict",
  "--target",
  "es2022",
  "--lib",
  "es2023",
  "--module",
  "nodenext",
  "--moduleResolution",
  "nodenext",
  "--experimentalDecorators",
  "--emitDecoratorMetadata",
  "--esModuleInterop",
  "--types",
  "node",
  "--skipLibCheck",
];

export interface TypeTestRun {
  /** The `*.test-d.ts` files compiled (absolute paths). */
  files: string[];
  /** The compiler's version line, e.g. "Version 5.9.3". */
  version: string;
  /** tsc's diagnostics (empty when every file compiled). */
  output: string;
  code: number | null;
}

function typeTestFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) typeTestFiles(path, out);
    else if (name.endsWith(".test-d.ts")) out.push(path);
  }
  return out.sort();
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** Compiles every `*.test-d.ts` under `testDir` in one TypeScript 5 program (the `typescript5` alias). */
export async function runTypeTests(testDir: string | URL): Promise<TypeTestRun> {
  const dir = typeof testDir === "string" ? testDir : fileURLToPath(testDir);
  const files = typeTestFiles(dir);
  const tsc = createRequire(import.meta.url).resolve("typescript5/bin/tsc");
  const { output: version } = await run([tsc, "--version"]);
  if (files.length === 0) return { files, version, output: `no *.test-d.ts file under ${dir}`, code: null };
  const { code, output } = await run([tsc, ...COMPILER_FLAGS, ...files]);
  return { files, version, output, code };
}

/** Files among `files` without a single `@ts-expect-error` line: they would check no misuse. */
export function filesWithoutMisuses(files: readonly string[]): string[] {
  return files.filter((file) => !/\/\/ @ts-expect-error\b/.test(readFileSync(file, "utf8")));
}

/**
 * The whole check, for a package's runner test: every `*.test-d.ts` under `testDir` compiles under
 * TypeScript 5 with no diagnostic, and every such file checks at least one misuse.
 */
export async function checkTypeTests(testDir: string | URL): Promise<void> {
  const { files, version, output, code } = await runTypeTests(testDir);
  assert.ok(files.length > 0, output);
  assert.deepEqual(filesWithoutMisuses(files), [], "every type test file checks misuses too (a // @ts-expect-error line)");
  assert.equal(output, "", `${version}:\n${output}`);
  assert.equal(code, 0);
}
