// The import rules of docs/architecture.md, checked on the sources: layers inside the core import only
// downwards, packages depend on the core and never the reverse, and no runtime import cycle exists anywhere.
// (Type-only imports are erased from the JavaScript, so they cannot form a cycle at run time.)
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
  const found: Import[] = [...dynamicLoadsOf(file, source).imports];
  for (const match of source.matchAll(IMPORT)) {
    const [, , typeKeyword, clause, specifier] = match;
    // `import { type A, type B }` is type-only too.
    const names = /^\{([^}]*)\}$/s.exec(clause!.trim())?.[1];
    const allTypes = names?.split(",").every((n) => n.trim() === "" || n.trim().startsWith("type ")) ?? false;
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
const computedLoads = files.flatMap((file) => dynamicLoadsOf(file, readFileSync(file, "utf8")).computed);
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
    assert.deepEqual(Object.keys(exceptions).filter((file) => !used.has(file)), []);
  });

  it("the dynamic-load scanner sees literal and computed specifiers, and skips comments and createRequire", () => {
    const source = [
      'const a = await import("@sockline/gateway");',
      "const b = require(name);",
      'const requireHere = createRequire(import.meta.url);',
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
    const graph = new Map<string, string[]>(files.map((file) => [file, []]));
    for (const imp of imports) {
      const target = resolveRelative(imp);
      // a dynamic import runs after its module has loaded: it cannot close a load-time cycle
      if (!imp.typeOnly && !imp.dynamic && target && graph.has(target)) graph.get(imp.from)!.push(target);
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
