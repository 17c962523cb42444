// What an installed package must be, checked on the files npm installed (never on the repository's):
// its manifest, the files it ships, and that everything its code and types import is declared by it.
// Each check returns the problems it found, so one failure lists them all.
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, normalize } from "node:path";
import type { PackedLib } from "./fresh-app.js";

export interface Manifest {
  name: string;
  version: string;
  license?: string;
  main?: string;
  types?: string;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  exports?: Record<string, string | { types?: string; default?: string }>;
  typesVersions?: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export const NODE_ENGINES = ">=20.19";

export function installedDir(appDir: string, name: string): string {
  return join(appDir, "node_modules", ...name.split("/"));
}

export function installedManifest(appDir: string, name: string): Manifest {
  return JSON.parse(readFileSync(join(installedDir(appDir, name), "package.json"), "utf8")) as Manifest;
}

/** Only the built code (ES modules, and the CommonJS entry of the core), its declarations, the README, the LICENSE and package.json: no build state, maps, sources or tests. */
export function fileProblems(lib: PackedLib): string[] {
  const problems: string[] = [];
  for (const path of lib.files) {
    const allowed = path === "package.json" || path === "README.md" || path === "LICENSE" || /^dist\/.+\.(js|cjs|d\.ts|d\.cts)$/.test(path);
    if (!allowed) problems.push(`${lib.name} ships ${path}`);
  }
  for (const needed of ["LICENSE", "README.md", "package.json"]) {
    if (!lib.files.includes(needed)) problems.push(`${lib.name} does not ship ${needed}`);
  }
  return problems;
}

/** engines, license, repository, exports (with ./package.json), types, typesVersions for node10 resolution. */
export function manifestProblems(lib: PackedLib, manifest: Manifest): string[] {
  const problems: string[] = [];
  const has = (path: string) => lib.files.includes(normalize(path).replace(/^\.\//, ""));
  if (manifest.engines?.node !== NODE_ENGINES)
    problems.push(`engines.node is ${manifest.engines?.node}, expected "${NODE_ENGINES}" (require() of ES modules)`);
  if (manifest.license !== "MIT") problems.push(`license is ${manifest.license}`);
  if (!manifest.repository?.url || manifest.repository.directory !== `libs/${lib.dir}`)
    problems.push("repository (with its directory) is missing");
  if (!manifest.homepage) problems.push("homepage is missing");
  if (!manifest.bugs?.url) problems.push("bugs.url is missing");
  for (const field of ["main", "types"] as const) {
    if (!manifest[field] || !has(manifest[field]!)) problems.push(`${field} (${manifest[field]}) is not in the tarball`);
  }
  const exports = manifest.exports ?? {};
  if (exports["./package.json"] !== "./package.json") problems.push(`no "./package.json" export`);
  for (const [subpath, target] of Object.entries(exports)) {
    if (subpath === "./package.json") continue;
    if (typeof target !== "object" || !target.types || !target.default) {
      problems.push(`export ${subpath} has no types/default conditions`);
      continue;
    }
    for (const file of [target.types, target.default]) if (!has(file)) problems.push(`export ${subpath}: ${file} is not in the tarball`);
    if (subpath !== ".") {
      // node10 resolution (the classic NestJS tsconfig) ignores exports: the same types through typesVersions.
      const mapped = manifest.typesVersions?.["*"]?.[subpath.slice(2)];
      if (!mapped || normalize(mapped[0]!) !== normalize(target.types))
        problems.push(`export ${subpath} has no typesVersions entry for ${target.types}`);
    }
  }
  for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (/^(file|link|workspace|portal):|^\.{0,2}\//.test(range)) problems.push(`dependency ${dep} points at a path (${range})`);
  }
  return problems;
}

/** `//# sourceMappingURL=` comments (the maps are not shipped, so each would dangle). */
export function sourceMapProblems(appDir: string, lib: PackedLib): string[] {
  const dir = installedDir(appDir, lib.name);
  return lib.files
    .filter((path) => /\.(js|d\.ts)$/.test(path) && /[#@] sourceMappingURL=/.test(readFileSync(join(dir, path), "utf8")))
    .map((path) => `${lib.name}/${path} refers to a source map`);
}

// import/export ... from "x", import "x", import("x"), require("x"), require.resolve("x"), import("x") types.
const SPECIFIERS = [
  /\b(?:import|export)\s[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\b(?:import|require|require\.resolve)\s*\(\s*["']([^"']+)["']\s*\)/g,
  // Package names held in a variable for an on-demand import (the gateway loader).
  /["'](@sockline\/[a-z-]+)["']/g,
];

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtinModules.includes(packageName(specifier));
}

/** Whether the installed package `name` carries its own type declarations. */
function shipsTypes(appDir: string, name: string): boolean {
  const dir = installedDir(appDir, name);
  if (!existsSync(join(dir, "package.json"))) return false;
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest & { typings?: string };
  return Boolean(
    manifest.types || manifest.typings || JSON.stringify(manifest.exports ?? {}).includes('"types"') || existsSync(join(dir, "index.d.ts")),
  );
}

/**
 * Every import of the shipped code and declarations: a Node builtin, a file of the package itself, or
 * a package the manifest declares (dependency or peer): nothing from the monorepo, no devDependency.
 * A package imported by the declarations must bring its types, or its `@types/` package must be declared
 * (a user with `skipLibCheck: false` would get TS7016 otherwise).
 */
export function importProblems(appDir: string, lib: PackedLib, manifest: Manifest): string[] {
  const problems: string[] = [];
  const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const dir = installedDir(appDir, lib.name);
  for (const path of lib.files.filter((p) => /\.(js|d\.ts)$/.test(p))) {
    const source = readFileSync(join(dir, path), "utf8").replace(/^\s*(\/\/|\*|\/\*).*$/gm, ""); // not the comments' examples
    const specifiers = new Set(SPECIFIERS.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1]!)));
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) {
        const target = normalize(join(dirname(path), specifier));
        const candidates = path.endsWith(".d.ts")
          ? [target.replace(/\.js$/, ".d.ts"), `${target}.d.ts`, join(target, "index.d.ts")]
          : [target];
        if (!candidates.some((c) => lib.files.includes(c)))
          problems.push(`${lib.name}/${path} imports ${specifier}, which the tarball lacks`);
      } else if (specifier.startsWith("/")) {
        problems.push(`${lib.name}/${path} imports the absolute path ${specifier}`);
      } else if (!isBuiltin(specifier)) {
        const name = packageName(specifier);
        if (!declared.has(name)) problems.push(`${lib.name}/${path} imports ${specifier}, which ${lib.name} does not declare`);
        else if (
          path.endsWith(".d.ts") &&
          name !== manifest.name &&
          !shipsTypes(appDir, name) &&
          !declared.has(`@types/${name.replace("@", "").replace("/", "__")}`)
        ) {
          problems.push(`${lib.name}/${path} imports types of ${name}, which has none, and @types/${name} is not declared`);
        }
      }
    }
  }
  return problems;
}
