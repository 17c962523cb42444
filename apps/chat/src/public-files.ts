import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The page (plain HTML/CSS/JS, no build step), next to dist/ in the package. */
export const PUBLIC_DIR = fileURLToPath(new URL("../public/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

export interface PublicFile {
  body: Buffer;
  contentType: string;
}

/**
 * A tiny static file server for the Fastify bootstrap (`@fastify/static` is not a dependency). It
 * only serves the files listed in public/ at start-up, by exact name, so no request path can reach
 * anything else (no `..`, no encoded slashes to think about).
 */
export async function loadPublicFiles(): Promise<(urlPath: string) => PublicFile | undefined> {
  const files = new Map<string, PublicFile>();
  for (const name of await readdir(PUBLIC_DIR)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType) continue;
    files.set(`/${name}`, { body: await readFile(join(PUBLIC_DIR, name)), contentType });
  }
  return (urlPath) => files.get(urlPath === "/" ? "/index.html" : urlPath);
}
