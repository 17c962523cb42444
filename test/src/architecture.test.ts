// The import rules of docs/architecture.md, checked on the sources: layers inside the core import only
// downwards, packages depend on the core and never the reverse, and no import cycle exists anywhere, not
// even one made of type-only imports (erased from the JavaScript, they cannot form a cycle at run time, but
// they still tie two modules to each other: each can only be understood, and changed, with the other).
// Dynamic loading counts too: `import("x")`, `require("x")` and `require.resolve("x")` are checked like
// static imports, and one whose specifier is computed (a variable) is refused, since no rule could see
// what it loads.
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
  /** Loaded by `import()` or `require()` when the code runs, not when the module loads. */
  dynamic?: boolean;
}

/** A dynamic `import()` / `require()` whose specifier is not a string literal. */
interface ComputedLoad {
  from: string;
  call: string;
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
// A module augmentation (`declare module "./x.js" { ... }`) depends on the other module as a type-only
// import does. `import("./x.js")` (a dynamic import, or an import type `import("./x.js").T`: the pattern
// cannot tell them apart) counts as a runtime import, the safe side for both checks.
const AUGMENTATION = /^\s*declare\s+module\s+["'](\.[^"']+)["']/gm;
const IMPORT_EXPRESSION = /\bimport\(\s*["'](\.[^"']+)["']\s*\)/g;

// `import(...)`, `require(...)`, `require.resolve(...)` (also through a function made by `createRequire`)
// with their first argument; comments are skipped line by line (JSDoc lines, `//` lines, trailing ` // `).
const CREATE_REQUIRE = /\b(?:const|let|var)\s+([\w$]+)\s*=\s*createRequire\(/g;
const STRING_LITERAL = /^(["'`])([^"'`$]*)\1$/;

function codeOfLine(line: string): string {
  const trimmed = line.trimStart();
  if (trimmed.startsWith("//") || trimmed.startsWith("*") || trimmed.startsWith("/*")) return "";
  const comment = line.indexOf(" // ");
  return comment === -1 ? line : line.slice(0, comment);
}

/** The dynamic loads of one source text: literal ones as imports, computed ones apart. */
function dynamicLoadsOf(file: string, source: string): { imports: Import[]; computed: ComputedLoad[] } {
  const imports: Import[] = [];
  const computed: ComputedLoad[] = [];
  const code = source.split("\n").map(codeOfLine).join("\n");
  const requires = ["require", ...Array.from(code.matchAll(CREATE_REQUIRE), (match) => match[1]!)];
  const callee = `import|(?:${requires.map((name) => name.replace(/\$/g, "\\$")).join("|")})(?:\\.resolve)?`;
  const loads = new RegExp(`(?<![\\w$.])(?:${callee})\\s*\\(\\s*([^,)]*?)\\s*[,)]`, "g");
  for (const match of code.matchAll(loads)) {
    const [call, argument] = match;
    const literal = STRING_LITERAL.exec(argument!);
    if (literal) imports.push({ from: file, specifier: literal[2]!, typeOnly: false, dynamic: true });
    else computed.push({ from: file, call: call!.replace(/\s+/g, " ") });
  }
  return { imports, computed };
}

function importsOf(file: string): Import[] {
  const source = readFileSync(file, "utf8");
  return [...importsIn(file, source), ...dynamicLoadsOf(file, source).imports];
}

function importsIn(file: string, source: string): Import[] {
  const found: Import[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const [, , typeKeyword, clause, specifier] = match;
    // `import { type A, type B }` is type-only too.
    const names = /^\{([^}]*)\}$/s.exec(clause!.trim())?.[1];
    const allTypes = names?.split(",").every((n) => n.trim() === "" || n.trim().startsWith("type ")) ?? false;
    found.push({ from: file, specifier: specifier!, typeOnly: Boolean(typeKeyword) || allTypes });
  }
  for (const match of source.matchAll(BARE_IMPORT)) found.push({ from: file, specifier: match[1]!, typeOnly: false });
  for (const match of source.matchAll(AUGMENTATION)) found.push({ from: file, specifier: match[1]!, typeOnly: true });
  for (const match of source.matchAll(IMPORT_EXPRESSION)) found.push({ from: file, specifier: match[1]!, typeOnly: false });
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
const computedLoads = files.flatMap((file) => dynamicLoadsOf(file, readFileSync(file, "utf8")).computed);
const rel = (path: string) => relative(libs, path);

/** The import cycles among `edges`, each as "a -> b -> a" (files relative to libs/). */
function importCycles(edges: Import[]): string[] {
  const graph = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const imp of edges) {
    const target = resolveRelative(imp);
    if (target && graph.has(target) && graph.has(imp.from)) graph.get(imp.from)!.push(target);
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
  return cycles;
}

/** The layer of a core source file: its folder under libs/core/src. */
function coreLayer(file: string): string | undefined {
  const path = rel(file).split("/");
  return path[0] === "core" && path.length > 3 ? path[2] : undefined;
}

describe("architecture", () => {
  it("the core's layers import only downwards: engine <- parser <- adapter <- server <- integration <- cluster", () => {
    const order = ["engine", "parser", "adapter", "server", "integration", "cluster"];
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
    // Optional peers, loaded by `import()` only when a feature needs them (the `gateways` option).
    const optionalPeers: Record<string, string[]> = { fastify: ["gateway"], express: ["gateway"] };
    const violations = imports.flatMap((imp) => {
      const match = /^@sockline\/([^/]+)/.exec(imp.specifier);
      if (!match) return [];
      const owner = rel(imp.from).split("/")[0]!;
      if (allowed[owner]?.includes(match[1]!)) return [];
      if (imp.dynamic && optionalPeers[owner]?.includes(match[1]!)) return [];
      return [`${rel(imp.from)} ${imp.dynamic ? "loads" : "imports"} ${imp.specifier}`];
    });
    assert.deepEqual(violations, []);
  });

  it("dynamic loads name what they load: no import()/require() of a computed specifier", () => {
    // Each exception says why its specifier cannot be a literal; the core has none.
    const exceptions: Record<string, string> = {
      "nestjs/src/optional-package.ts": "requires @sockline/express or @sockline/fastify, named by its two callers",
    };
    const violations = computedLoads.filter((load) => !(rel(load.from) in exceptions)).map((load) => `${rel(load.from)}: ${load.call}`);
    assert.deepEqual(violations, []);
    // an exception that no longer loads anything computed is stale: remove it
    const used = new Set(computedLoads.map((load) => rel(load.from)));
    assert.deepEqual(
      Object.keys(exceptions).filter((file) => !used.has(file)),
      [],
    );
  });

  it("the dynamic-load scanner sees literal and computed specifiers, and skips comments and createRequire", () => {
    const source = [
      'const a = await import("@sockline/gateway");',
      "const b = require(name);",
      "const requireHere = createRequire(import.meta.url);",
      'const c = requireHere.resolve("socket.io-client/package.json");',
      "const e = requireHere(packageName);",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text that holds a template literal
      "const d = import(`./${file}`);",
      ' * loaded by `import("@sockline/not-code")` in a JSDoc line',
      'x(); // or require("@sockline/not-code")',
    ].join("\n");
    const { imports: found, computed } = dynamicLoadsOf("fixture.ts", source);
    assert.deepEqual(
      found.map((imp) => imp.specifier),
      ["@sockline/gateway", "socket.io-client/package.json"],
    );
    assert.deepEqual(
      computed.map((load) => load.call),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text that holds a template literal
      ["require(name)", "requireHere(packageName)", "import(`./${file}`)"],
    );
    // and in the sources: the plugins' loaders of their optional peer are seen
    const gatewayLoaders = imports.filter((imp) => imp.dynamic && imp.specifier === "@sockline/gateway").map((imp) => rel(imp.from));
    assert.deepEqual(gatewayLoaders.sort(), ["express/src/mount.ts", "fastify/src/plugin.ts"]);
  });

  it("no runtime import cycle in any package", () => {
    // a dynamic import runs after its module has loaded: it cannot close a load-time cycle
    assert.deepEqual(importCycles(imports.filter((imp) => !imp.typeOnly && !imp.dynamic)), []);
  });

  it("no import cycle in any package, type-only imports and module augmentations included", () => {
    assert.deepEqual(importCycles(imports), []);
  });

  it("the cycle check sees type-only imports, augmentations and import() (checked on samples)", () => {
    // two real files importing each other for types only: one cycle
    const server = (file: string) => join(libs, "core", "src", "server", file);
    const typeOnlyCycle: Import[] = [
      { from: server("client.ts"), specifier: "./client-context.js", typeOnly: true },
      { from: server("client-context.ts"), specifier: "./client.js", typeOnly: true },
    ];
    const cycles = importCycles(typeOnlyCycle);
    assert.equal(cycles.length, 1);
    assert.match(cycles[0]!, /client\.ts -> .*client-context\.ts|client-context\.ts -> .*client\.ts/);
    const source = [
      'import type { A } from "./a.js";',
      'import { type B, type C } from "./b.js";',
      'declare module "./parents.js" {',
      "  interface X {}",
      "}",
      'type D = import("./d.js").D;',
    ].join("\n");
    const found = importsIn(server("sample.ts"), source);
    assert.deepEqual(
      found.map((imp) => [imp.specifier, imp.typeOnly]),
      [
        ["./a.js", true],
        ["./b.js", true],
        ["./parents.js", true],
        ["./d.js", false],
      ],
    );
  });

  it("modules stay small: no source file over 600 lines", () => {
    const large = files
      .map((file) => ({ file: rel(file), lines: readFileSync(file, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > 600);
    assert.deepEqual(large, []);
  });
});
