// The packages as an npm user gets them. Every lib is packed (`npm pack`) and the tarballs are installed,
// with the frameworks and peers a user's app has and that app's own TypeScript 5, into one fresh app
// outside the repository (installed once, reused by every test here). Then, in that app: each package's
// metadata and files; every entry point by import and by require; every TypeScript example of the
// READMEs compiled as written under the tsconfigs users have (nodenext, bundler, the classic NestJS
// commonjs one), strict and with skipLibCheck off; typed events refusing a wrong event name; and the
// Fastify, Express, gateway and NestJS examples run against socket.io-client.
// Skipped, with the reason, only when the npm registry cannot be reached to install the app.
import { after, before, describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { closeClients, connectClient, http, nextEvent, openClient, refusedConnection, type ClientSocket } from "@sockline/e2e/support";
import { installFreshApp, packLibs, type PackedLib } from "./packaging/fresh-app.js";
import { exampleContaining, readmeExamples, type ReadmeExample } from "./packaging/readme-examples.js";
import { compile, typescriptVersion, writeExample, type CompileResult, type ConfigName } from "./packaging/compile.js";
import { fileProblems, importProblems, installedManifest, manifestProblems, sourceMapProblems } from "./packaging/package-checks.js";
import { startExample } from "./packaging/run-example.js";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The fixture compiled with the examples: every entry point, types and values (sub-paths under node10 too). */
const ENTRY_POINTS_FIXTURE = join(root, "test", "fixtures", "packaging", "entry-points.ts");

/** Entry points and one export each must have (a sign that the right module loaded). */
const ENTRY_POINTS: Array<[specifier: string, exportName: string]> = [
  ["@sockline/core", "Server"],
  ["@sockline/core/engine", "Server"],
  ["@sockline/core/parser", "Decoder"],
  ["@sockline/core/adapter", "Adapter"],
  ["@sockline/core/integration", "resolveEnginePath"],
  ["@sockline/fastify", "socklinePlugin"],
  ["@sockline/express", "expressRequest"],
  ["@sockline/gateway", "mountGateways"],
  ["@sockline/nestjs", "SocklineAdapter"],
  ["@sockline/redis-adapter", "createAdapter"],
];

interface Program {
  name: string;
  config: ConfigName;
  files: string[];
  noEmit?: boolean;
}

/**
 * The programs to compile, as few as can be (each costs seconds: every .d.ts is checked). An example that
 * augments a @sockline type (`declare module "@sockline/..."`) changes it for every file of its program, so
 * it is compiled alone; the others together. NestJS code and the entry points are compiled under the
 * classic NestJS tsconfig too (the other examples use top-level await, which CommonJS output cannot have).
 * The wrong-event variants are one program, which must fail in each of them.
 */
function compilePlan(examples: readonly ReadmeExample[], wrongEventFiles: readonly string[]): Program[] {
  const alone = examples.filter((e) => /^\s*declare module ["']@sockline\//m.test(e.source));
  const together = ["examples/entry-points.ts", ...examples.filter((e) => !alone.includes(e)).map((e) => `examples/${e.id}.ts`)];
  const nest = examples.filter((e) => /from ["']@nestjs\//.test(e.source)).map((e) => `examples/${e.id}.ts`);
  return [
    ...(["nodenext", "bundler"] as const).flatMap((config) => [
      { name: `${config}-examples`, config, files: together },
      ...alone.map((e) => ({ name: `${config}-${e.id}`, config, files: [`examples/${e.id}.ts`] })),
    ]),
    { name: "nest-commonjs-examples", config: "nest-commonjs", files: ["examples/entry-points.ts", ...nest] },
    { name: "wrong-event-names", config: "nodenext", files: [...wrongEventFiles], noEmit: true },
  ];
}

/** Runs `tasks` two at a time (the machine has two cores; each tsc uses about one). */
function twoAtATime<T>(tasks: ReadonlyArray<() => Promise<T>>): Array<Promise<T>> {
  const chain: Array<Promise<unknown>> = [Promise.resolve(), Promise.resolve()];
  return tasks.map((task, i) => {
    const result = chain[i % 2]!.then(task);
    chain[i % 2] = result.catch(() => {});
    return result;
  });
}

/** The READMEs' typed-events examples, each with one event name replaced by a wrong one. */
const WRONG_EVENT_NAMES = [
  { readme: "libs/gateway/README.md", right: "@On('add')", wrong: "@On('sum')", name: "sum" },
  { readme: "libs/core/README.md", right: 'socket.broadcast.emit("chat"', wrong: 'socket.broadcast.emit("chta"', name: "chta" },
  { readme: "libs/fastify/README.md", right: 'app.io.emit("chat"', wrong: 'app.io.emit("chta"', name: "chta" },
];

// One pack, one install, one set of compiles for the whole file (started as soon as the app exists).
const workDir = mkdtempSync(join(tmpdir(), "sockline-packaging-"));
const appDir = join(workDir, "app");
const examples = readmeExamples(root);
let packed: PackedLib[] = [];
let skipReason: string | undefined;
const compiles = new Map<string, Promise<CompileResult>>();

const timings: string[] = [];
const timed = async <T>(what: string, task: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await task();
  } finally {
    timings.push(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
};

before(async () => {
  packed = await timed("npm pack", () => packLibs(root, workDir));
  const install = await timed("npm install of the fresh app", () => installFreshApp(root, appDir, packed));
  if (!install.installed) {
    skipReason = install.offline;
    return;
  }
  writeExample(appDir, "entry-points", readFileSync(ENTRY_POINTS_FIXTURE, "utf8"));
  for (const example of examples) writeExample(appDir, example.id, example.source);
  const wrongEventFiles = WRONG_EVENT_NAMES.map(({ readme, right, wrong }, i) => {
    const example = exampleContaining(examples, readme, right);
    return writeExample(appDir, `wrong-event-${i + 1}-${example.id}`, example.source.replace(right, wrong));
  });
  const plan = compilePlan(examples, wrongEventFiles);
  const results = twoAtATime(
    plan.map(
      (program) => () =>
        timed(`tsc ${program.name}`, () => compile(appDir, program.name, program.config, program.files, { noEmit: program.noEmit })),
    ),
  );
  for (const [i, program] of plan.entries()) compiles.set(program.name, results[i]!);
});
after(async () => {
  await Promise.allSettled(compiles.values());
  // Where the time goes (no test asserts on it): printed for whoever wants this file faster.
  for (const line of timings) console.log(`packaging: ${line}`);
  rmSync(workDir, { recursive: true, force: true });
});

/** Skips the test when the app could not be installed; true when it did skip. */
function skipped(t: TestContext): boolean {
  if (skipReason) t.skip(skipReason);
  return skipReason !== undefined;
}

describe("the packed packages, installed in a fresh app", () => {
  it("ship only built JavaScript, declarations, README, LICENSE and package.json", (t) => {
    for (const lib of packed) {
      t.diagnostic(`${lib.name}: tarball ${lib.size} B, unpacked ${lib.unpackedSize} B, ${lib.files.length} files`);
    }
    assert.deepEqual(packed.flatMap(fileProblems), []);
  });

  it("declare engines, license, repository, exports (./package.json too), types and typesVersions", (t) => {
    if (skipped(t)) return;
    assert.deepEqual(
      packed.flatMap((lib) => manifestProblems(lib, installedManifest(appDir, lib.name)).map((p) => `${lib.name}: ${p}`)),
      [],
    );
  });

  it("have no dangling source maps", (t) => {
    if (skipped(t)) return;
    assert.deepEqual(
      packed.flatMap((lib) => sourceMapProblems(appDir, lib)),
      [],
    );
  });

  it("import only what they declare: nothing from the monorepo, no devDependency, types for their .d.ts imports", (t) => {
    if (skipped(t)) return;
    assert.deepEqual(
      packed.flatMap((lib) => importProblems(appDir, lib, installedManifest(appDir, lib.name))),
      [],
    );
  });

  it("are the tarballs themselves, installed once each (no registry copy of a @sockline package)", (t) => {
    if (skipped(t)) return;
    const lock = JSON.parse(readFileSync(join(appDir, "package-lock.json"), "utf8")) as { packages: Record<string, { resolved?: string }> };
    const installed = Object.entries(lock.packages)
      .filter(([path]) => /node_modules\/@sockline\//.test(path))
      .map(([path, entry]) => `${path} ${entry.resolved}`)
      .sort();
    assert.deepEqual(installed, packed.map((lib) => `node_modules/${lib.name} file:../${basename(lib.tarball)}`).sort());
  });

  for (const [specifier, exportName] of ENTRY_POINTS) {
    it(`load by import and by require: ${specifier}`, async (t) => {
      if (skipped(t)) return;
      const probe = (type: string, load: string) =>
        run(
          process.execPath,
          ["--no-warnings", `--input-type=${type}`, "-e", `${load}; console.log(typeof m[${JSON.stringify(exportName)}]);`],
          { cwd: appDir },
        );
      assert.equal((await probe("module", `const m = await import(${JSON.stringify(specifier)})`)).stdout.trim(), "function");
      assert.equal((await probe("commonjs", `const m = require(${JSON.stringify(specifier)})`)).stdout.trim(), "function");
    });
  }

  it("resolve their ./package.json export", async (t) => {
    if (skipped(t)) return;
    const source = `for (const name of ${JSON.stringify(packed.map((l) => l.name))}) console.log(require(name + "/package.json").name);`;
    const { stdout } = await run(process.execPath, ["--input-type=commonjs", "-e", source], { cwd: appDir });
    assert.deepEqual(
      stdout.trim().split("\n"),
      packed.map((l) => l.name),
    );
  });
});

describe("the README examples compile as written: TypeScript 5 of the app, strict, skipLibCheck off", () => {
  for (const config of ["nodenext", "bundler", "nest-commonjs"] as const) {
    it(`under ${config}`, async (t) => {
      if (skipped(t)) return;
      t.diagnostic(`TypeScript ${await typescriptVersion(appDir)}`);
      const failures: string[] = [];
      for (const [name, result] of compiles) {
        if (!name.startsWith(`${config}-`)) continue;
        const { ok, output } = await result;
        if (!ok) failures.push(`${name}:\n${withReadmeLines(output, examples)}`);
      }
      assert.deepEqual(failures, []);
    });
  }

  it("refuses a wrong event name in each typed-events example (gateway, core, fastify)", async (t) => {
    if (skipped(t)) return;
    const { ok, output } = await compiles.get("wrong-event-names")!;
    assert.equal(ok, false, "the examples compiled with wrong event names");
    const errors = output.split("\n").filter((line) => /error TS\d+/.test(line));
    WRONG_EVENT_NAMES.forEach(({ name }, i) => {
      const inFile = errors.filter((line) => line.startsWith(`examples/wrong-event-${i + 1}-`));
      assert.ok(
        inFile.some((line) => line.includes(`"${name}"`)),
        `no error names "${name}" in variant ${i + 1}:\n${output}`,
      );
    });
    assert.deepEqual(
      errors.filter((line) => !line.startsWith("examples/wrong-event-")),
      [],
      "errors outside the variants",
    );
  });
});

describe("the compiled examples run against socket.io-client", () => {
  const clients: ClientSocket[] = [];
  const client = async (url: string, options: Parameters<typeof connectClient>[1] = {}) => {
    const socket = await connectClient(url, options);
    clients.push(socket);
    return socket;
  };
  /** The payload of the "hello" event the example emits at connection (listened to before connecting). */
  const hello = (url: string, options: Parameters<typeof openClient>[1]) => {
    const socket = openClient(url, { ...options, autoConnect: false });
    clients.push(socket);
    const greeting = nextEvent(socket, "hello");
    socket.connect();
    return greeting;
  };
  const start = async (t: TestContext, config: "nodenext" | "nest-commonjs", readme: string, marker: string) => {
    const { ok } = await compiles.get(`${config}-examples`)!;
    assert.ok(ok, `the ${config} examples did not compile: see the compile tests`);
    const example = await startExample(appDir, `out/${config}/${exampleContaining(examples, readme, marker).id}.js`);
    t.after(() => example.stop());
    return example;
  };
  after(() => closeClients(clients));

  it("Fastify (libs/fastify/README.md): the hook guards the handshake, the handler acks", async (t) => {
    if (skipped(t)) return;
    const { url } = await start(t, "nodenext", "libs/fastify/README.md", 'ack("pong")');
    assert.match((await refusedConnection(url)).message, /websocket error/);
    const socket = await client(url, { extraHeaders: { authorization: "Bearer token" } });
    assert.equal(await socket.timeout(5000).emitWithAck("ping"), "pong");
  });

  it("Express (libs/express/README.md): the session of the login reaches the socket", async (t) => {
    if (skipped(t)) return;
    const { url } = await start(t, "nodenext", "libs/express/README.md", "expressRequest(socket)");
    const login = await http(`${url}/login`, { method: "POST" });
    assert.equal(login.status, 204);
    const cookie = String(login.headers["set-cookie"]).split(";")[0]!;
    for (const transport of ["websocket", "polling"]) {
      assert.equal(await hello(url, { transports: [transport], extraHeaders: { cookie } }), "ann", `over ${transport}`);
    }
    assert.equal(await hello(url, { transports: ["websocket"] }), null, "without the session cookie");
  });

  it("gateway (libs/gateway/README.md): guard at connection, validated payload, the return value as ack", async (t) => {
    if (skipped(t)) return;
    const { url } = await start(t, "nodenext", "libs/gateway/README.md", "@Gateway({ namespace: '/chat'");
    assert.equal((await refusedConnection(`${url}/chat`, { auth: { token: "wrong" } })).message, "invalid token");
    const socket = await client(`${url}/chat`, { auth: { token: "secret" } });
    assert.deepEqual(await socket.timeout(5000).emitWithAck("message", { text: "hi" }), { id: 1, text: "hi" });
    const invalid = (await socket.timeout(5000).emitWithAck("message", { text: "" })) as {
      error: { message: string; data: { errors: Array<{ property: string }> } };
    };
    assert.equal(invalid.error.message, "Validation failed");
    assert.deepEqual(
      invalid.error.data.errors.map((e) => e.property),
      ["text"],
    );
  });

  it("NestJS (libs/nestjs/README.md, compiled to CommonJS): guard at connection, validation pipe, the ack", async (t) => {
    if (skipped(t)) return;
    const { url } = await start(t, "nest-commonjs", "libs/nestjs/README.md", "@WebSocketGateway({ namespace: 'chat'");
    assert.equal((await refusedConnection(`${url}/chat`, { auth: { token: "wrong" } })).message, "invalid token");
    const socket = await client(`${url}/chat`, { auth: { token: "secret" } });
    assert.deepEqual(await socket.timeout(5000).emitWithAck("message", { text: "hi" }), { ok: true });
    const invalid = (await socket.timeout(5000).emitWithAck("message", { text: "" })) as { error: { message: string } };
    assert.match(invalid.error.message, /Bad Request|text must be/);
  });
});

/** tsc's `examples/<id>.ts(line,col)` followed by the README and line it comes from. */
function withReadmeLines(output: string, examples: readonly ReadmeExample[]): string {
  return output.replace(/examples\/([\w-]+)\.ts\((\d+),(\d+)\)/g, (match, id: string, line: string) => {
    const example = examples.find((e) => e.id === id);
    if (!example) return match;
    const [readme, start] = example.where.split(":");
    return `${match} [${readme}:${Number(start) + Number(line)}]`;
  });
}
