// The packages as an npm user gets them: `npm pack` of every lib, then one install of the tarballs
// (plus the frameworks and peers a user's app has, and that app's own TypeScript 5) into a fresh
// directory outside the repository, where nothing of the monorepo can be reached.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The published packages, by directory under libs/. */
export const LIBS = ["core", "fastify", "express", "gateway", "nestjs", "redis-adapter"] as const;

/** The TypeScript a user has today: the app's own devDependency, not the repository's TypeScript 7. */
export const USER_TYPESCRIPT = "~5.9.3";

/**
 * What the fresh app installs besides the tarballs: the frameworks and peers the README examples use,
 * `socket.io-client` to talk to the examples, and a TypeScript user's usual typings. Versions are the
 * repository's own (root devDependencies), so the npm cache already holds them.
 */
const APP_DEPENDENCIES = [
  "fastify",
  "express",
  "express-session",
  "@nestjs/common",
  "@nestjs/core",
  "@nestjs/websockets",
  "@nestjs/platform-express",
  "rxjs",
  "prom-client", // the optional peer of @sockline/core/prometheus (its entry point is loaded like the others)
  "reflect-metadata",
  "class-validator",
  "redis",
  "ioredis",
  "socket.io-client",
];
const APP_DEV_DEPENDENCIES = ["@types/node", "@types/express", "@types/express-session"];

export interface PackedLib {
  /** `core`, `fastify`... */
  dir: (typeof LIBS)[number];
  name: string;
  tarball: string;
  /** Bytes of the .tgz. */
  size: number;
  unpackedSize: number;
  /** Paths inside the package (`dist/index.js`, `package.json`...). */
  files: string[];
}

interface NpmPackEntry {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** `npm pack` of every lib into `dest` (one npm run for all of them). */
export async function packLibs(root: string, dest: string): Promise<PackedLib[]> {
  const workspaces = LIBS.flatMap((dir) => ["-w", `libs/${dir}`]);
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dest, ...workspaces], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const entries = JSON.parse(stdout) as NpmPackEntry[];
  return LIBS.map((dir) => {
    const name = JSON.parse(readFileSync(join(root, "libs", dir, "package.json"), "utf8")).name as string;
    const entry = entries.find((e) => e.name === name);
    if (!entry) throw new Error(`npm pack did not pack ${name}`);
    return {
      dir,
      name,
      tarball: join(dest, entry.filename),
      size: entry.size,
      unpackedSize: entry.unpackedSize,
      files: entry.files.map((f) => f.path),
    };
  });
}

/** Why an npm failure means "no registry here" (the test is then skipped, with that reason). */
const OFFLINE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b/;

export type InstallResult = { installed: true } | { installed: false; offline: string };

/**
 * Writes the app's package.json and runs one `npm install` (from the npm cache where it can). Resolves
 * `{ installed: false, offline }` when the registry cannot be reached; rejects on any other failure.
 */
export async function installFreshApp(root: string, appDir: string, packed: readonly PackedLib[]): Promise<InstallResult> {
  const repo = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  const version = (name: string) => {
    const range = repo.devDependencies[name];
    if (!range) throw new Error(`${name} is not a devDependency of the repository: give the fresh app a version for it`);
    return range;
  };
  mkdirSync(appDir, { recursive: true });
  const manifest = {
    name: "sockline-fresh-app",
    private: true,
    type: "module",
    dependencies: {
      ...Object.fromEntries(packed.map((lib) => [lib.name, `file:${lib.tarball}`])),
      ...Object.fromEntries(APP_DEPENDENCIES.map((name) => [name, version(name)])),
    },
    devDependencies: {
      typescript: USER_TYPESCRIPT,
      ...Object.fromEntries(APP_DEV_DEPENDENCIES.map((name) => [name, version(name)])),
    },
  };
  writeFileSync(join(appDir, "package.json"), JSON.stringify(manifest, null, 2));
  try {
    // From the cache when it can; without a registry, fail in seconds rather than after minutes of retries.
    const fetchBounds = ["--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=3000", "--fetch-timeout=30000"];
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...fetchBounds], {
      cwd: appDir,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
    return { installed: true };
  } catch (error) {
    const output = `${(error as { stderr?: string }).stderr ?? ""}${(error as Error).message}`;
    const offline = OFFLINE.exec(output);
    if (offline) return { installed: false, offline: `the npm registry is unreachable (${offline[1]}): cannot install a fresh app` };
    throw new Error(`npm install of the fresh app failed:\n${output}`);
  }
}
