// The import rules of docs/architecture.md, checked on the sources: layers inside the core import only
// downwards, packages depend on the core and never the reverse, and no runtime import cycle exists anywhere.
// (Type-only imports are erased from the JavaScript, so they cannot form a cycle at run time.)
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const libs = join(root, "libs");

interface Import {
  from: string;
  specifier: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']/gms;
const BARE_IMPORT = /^\s*import\s+["']([^"']+)["']/gm;

function importsOf(file: string): Import[] {
  const source = readFileSync(file, "utf8");
  const found: Import[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const [, , typeKeyword, clause, specifier] = match;
    // `import { type A, type B }` is type-only too.
    const names = /^\{([^}]*)\}$/s.exec(clause!.trim())?.[1];
    const allTypes = names !== undefined && names.split(",").every((n) => n.trim() === "" || n.trim().startsWith("type "));
    found.push({ from: file, specifier: specifier!, typeOnly: Boolean(typeKeyword) || allTypes });
  }
  for (const match of source.matchAll(BARE_IMPORT)) found.push({ from: file, specifier: match[1]!, typeOnly: false });
  return found;
}

function resolveRelative(imp: Import): string | undefined {
  if (!imp.specifier.startsWith(".")) return undefined;
  const target = normalize(join(dirname(imp.from), imp.specifier)).replace(/\.js$/, ".ts");
  try {
    if (statSync(target).isFile()) return target;
  } catch {
    /* a folder import */
  }
  return join(target.replace(/\.ts$/, ""), "index.ts");
}

const packages = readdirSync(libs).filter((name) => statSync(join(libs, name, "src")).isDirectory());
const files = packages.flatMap((name) => sourceFiles(join(libs, name, "src")));
const imports = files.flatMap(importsOf);
const rel = (path: string) => relative(libs, path);

/** The layer of a core source file: its folder under libs/core/src. */
function coreLayer(file: string): string | undefined {
  const path = rel(file).split("/");
  return path[0] === "core" && path.length > 3 ? path[2] : undefined;
}

describe("architecture", () => {
  it("the core's layers import only downwards: engine <- parser <- adapter <- server <- integration", () => {
    const order = ["engine", "parser", "adapter", "server", "integration"];
    const violations = imports.flatMap((imp) => {
      const target = resolveRelative(imp);
      const from = coreLayer(imp.from);
      const to = target && coreLayer(target);
      if (!from || !to || from === to) return [];
      return order.indexOf(to) > order.indexOf(from) ? [`${rel(imp.from)} imports ${rel(target!)}`] : [];
    });
    assert.deepEqual(violations, []);
  });

  it("packages depend on the core (and the core on none of them); plugins never on each other", () => {
    const allowed: Record<string, string[]> = {
      core: [],
      fastify: ["core"],
      express: ["core"],
      gateway: ["core"],
      "redis-adapter": ["core"],
      nestjs: ["core", "gateway", "fastify", "express"],
    };
    const violations = imports.flatMap((imp) => {
      const match = /^@sockline\/([^/]+)/.exec(imp.specifier);
      if (!match) return [];
      const owner = rel(imp.from).split("/")[0]!;
      return allowed[owner]?.includes(match[1]!) ? [] : [`${rel(imp.from)} imports ${imp.specifier}`];
    });
    assert.deepEqual(violations, []);
  });

  it("no runtime import cycle in any package", () => {
    const graph = new Map<string, string[]>(files.map((file) => [file, []]));
    for (const imp of imports) {
      const target = resolveRelative(imp);
      if (!imp.typeOnly && target && graph.has(target)) graph.get(imp.from)!.push(target);
    }
    // Depth-first search with colours: reaching a node still on the stack closes a cycle.
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (node: string, stack: string[]): void => {
      state.set(node, "open");
      for (const next of graph.get(node)!) {
        if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].map(rel).join(" -> "));
        else if (!state.has(next)) visit(next, [...stack, next]);
      }
      state.set(node, "done");
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    assert.deepEqual(cycles, []);
  });

  it("modules stay small: no source file over 600 lines", () => {
    const large = files
      .map((file) => ({ file: rel(file), lines: readFileSync(file, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > 600);
    assert.deepEqual(large, []);
  });
});
