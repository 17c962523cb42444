// Compiles TypeScript in the fresh app with the app's own TypeScript 5 CLI, as its user would
// (`tsc -p <tsconfig>`), under the tsconfigs users have: `strict`, `skipLibCheck: false`, so every
// .d.ts we ship is checked too.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What every configuration shares: strict, our .d.ts checked, decorators as Nest and the gateways need them. */
const COMMON = {
  strict: true,
  skipLibCheck: false,
  // TypeScript's own lib.*.d.ts only: checking them again in every program tests TypeScript, not us, and
  // costs half of each run (none of our declarations augments a global).
  skipDefaultLibCheck: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  forceConsistentCasingInFileNames: true,
  rootDir: "examples",
};

/** The tsconfigs users have, by name. `outDir` (relative to the app) where the output is run. */
export const CONFIGS = {
  /** Node's own ES module rules (what `"type": "module"` apps use). */
  nodenext: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", outDir: "out/nodenext" },
  /** Vite, esbuild, webpack apps. Checked only: a bundler runs that output. */
  bundler: { module: "esnext", moduleResolution: "bundler", target: "es2022", noEmit: true },
  /** The classic NestJS CLI tsconfig: CommonJS output, node10 resolution (no `exports`: `typesVersions`). */
  "nest-commonjs": { module: "commonjs", target: "es2021", allowSyntheticDefaultImports: true, outDir: "out/nest-commonjs" },
} as const;

export type ConfigName = keyof typeof CONFIGS;

export interface CompileResult {
  ok: boolean;
  /** tsc's diagnostics, one per line (`examples/x.ts(3,1): error TS2345: ...`). */
  output: string;
}

/** Writes `source` as `examples/<id>.ts` of the app; returns its path relative to the app. */
export function writeExample(appDir: string, id: string, source: string): string {
  mkdirSync(join(appDir, "examples"), { recursive: true });
  writeFileSync(join(appDir, "examples", `${id}.ts`), source);
  return `examples/${id}.ts`;
}

/**
 * Compiles `files` (relative to the app) as one program under `config`, with `tsc -p` of a tsconfig
 * written for it (`tsconfig.<program>.json`, kept for whoever debugs a failure).
 */
export async function compile(
  appDir: string,
  program: string,
  config: ConfigName,
  files: readonly string[],
  extra: { noEmit?: boolean } = {},
): Promise<CompileResult> {
  const tsconfig = join(appDir, `tsconfig.${program}.json`);
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { ...COMMON, ...CONFIGS[config], ...extra }, files }, null, 2));
  const emitsCommonJs = CONFIGS[config].module === "commonjs" && !extra.noEmit;
  if (emitsCommonJs) {
    // The app is `"type": "module"`: CommonJS output needs a package.json of its own to load as CommonJS.
    const outDir = join(appDir, (CONFIGS[config] as { outDir: string }).outDir);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "package.json"), JSON.stringify({ type: "commonjs" }));
  }
  const tsc = join(appDir, "node_modules", "typescript", "bin", "tsc");
  try {
    const { stdout } = await run(process.execPath, [tsc, "-p", relative(appDir, tsconfig), "--pretty", "false"], {
      cwd: appDir,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { ok: true, output: stdout.trim() };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}`.trim() };
  }
}

/** The version of the app's TypeScript (`5.9.3`). */
export async function typescriptVersion(appDir: string): Promise<string> {
  const { stdout } = await run(process.execPath, [join(appDir, "node_modules", "typescript", "bin", "tsc"), "--version"], { cwd: appDir });
  return stdout.replace(/^Version\s+/, "").trim();
}
