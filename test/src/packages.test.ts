// Every published package loads from a plain Node script, by `import` and by `require`, through the
// workspace link (the way a user's app resolves it), and ships its type declarations.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Package entry points and one export each must have (a sign the right module loaded). */
const entries: Array<{ specifier: string; exportName: string }> = [
  { specifier: "@sockline/core", exportName: "Server" },
  { specifier: "@sockline/core/engine", exportName: "Server" },
  { specifier: "@sockline/core/parser", exportName: "Decoder" },
  { specifier: "@sockline/core/adapter", exportName: "Adapter" },
  { specifier: "@sockline/core/integration", exportName: "resolveEnginePath" },
  { specifier: "@sockline/fastify", exportName: "socketioPlugin" },
  { specifier: "@sockline/express", exportName: "sockline" },
  { specifier: "@sockline/gateway", exportName: "mountGateways" },
  { specifier: "@sockline/nestjs", exportName: "SocklineAdapter" },
  { specifier: "@sockline/redis-adapter", exportName: "createAdapter" },
];

async function nodeEval(source: string, type: "module" | "commonjs"): Promise<string> {
  const { stdout } = await run(process.execPath, [`--input-type=${type}`, "-e", source], { cwd: root });
  return stdout.trim();
}

describe("packages load from a plain Node script", () => {
  for (const { specifier, exportName } of entries) {
    it(`import("${specifier}")`, async () => {
      const out = await nodeEval(
        `const m = await import(${JSON.stringify(specifier)}); console.log(typeof m[${JSON.stringify(exportName)}]);`,
        "module",
      );
      assert.equal(out, "function");
    });

    it(`require("${specifier}")`, async () => {
      const out = await nodeEval(
        `const m = require(${JSON.stringify(specifier)}); console.log(typeof m[${JSON.stringify(exportName)}]);`,
        "commonjs",
      );
      assert.equal(out, "function");
    });
  }

  it("every package.json export points at built JavaScript with a .d.ts beside it", () => {
    for (const dir of ["core", "fastify", "express", "gateway", "nestjs", "redis-adapter"]) {
      const pkgDir = join(root, "libs", dir);
      const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
        exports: Record<string, string | { types: string; default: string }>;
      };
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (typeof target === "string") {
          assert.ok(existsSync(join(pkgDir, target)), `${dir} ${subpath}: ${target} exists`); // "./package.json"
          continue;
        }
        assert.ok(existsSync(join(pkgDir, target.default)), `${dir} ${subpath}: ${target.default} is built`);
        assert.ok(existsSync(join(pkgDir, target.types)), `${dir} ${subpath}: ${target.types} is built`);
      }
    }
  });
});
