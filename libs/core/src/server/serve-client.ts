import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import createDebug from "debug";

const debug = createDebug("sockline:server");

/** The bundles of the installed `socket.io-client` that may be served (nothing else under its dist/). */
export const CLIENT_FILES: ReadonlySet<string> = new Set([
  "socket.io.js",
  "socket.io.js.map",
  "socket.io.min.js",
  "socket.io.min.js.map",
  "socket.io.esm.min.js",
  "socket.io.esm.min.js.map",
  "socket.io.msgpack.min.js",
  "socket.io.msgpack.min.js.map",
]);

interface ClientPackage {
  distDir: string;
  etag: string;
}

let clientPackage: ClientPackage | null | undefined;

/** Locates `socket.io-client` once; null when it is not installed (serving then answers 404). */
function locateClient(): ClientPackage | null {
  if (clientPackage !== undefined) return clientPackage;
  try {
    const require = createRequire(import.meta.url);
    const pkgPath = require.resolve("socket.io-client/package.json");
    // read as a file, not `require(pkgPath)`: the core loads no module by a computed name
    const version = (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version;
    clientPackage = { distDir: join(dirname(pkgPath), "dist"), etag: `"${version}"` };
  } catch (err) {
    debug("socket.io-client is not installed, the client bundle cannot be served: %s", err);
    clientPackage = null;
  }
  return clientPackage;
}

type Encoding = "br" | "gzip" | "identity";
const cache = new Map<string, Promise<Buffer>>();

function load(file: string, encoding: Encoding, distDir: string): Promise<Buffer> {
  const key = encoding + ":" + file;
  let entry = cache.get(key);
  if (!entry) {
    entry = readFile(join(distDir, file)).then((raw) =>
      encoding === "br"
        ? brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } })
        : encoding === "gzip"
          ? gzipSync(raw)
          : raw,
    );
    entry.catch(() => cache.delete(key));
    cache.set(key, entry);
  }
  return entry;
}

function pickEncoding(header: string | undefined): Encoding {
  if (!header) return "identity";
  const accepted = header.split(",").map((part) => {
    const [name, ...params] = part.trim().split(";");
    const q = params.find((p) => p.trim().startsWith("q="));
    return { name: name!.trim().toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
  });
  for (const candidate of ["br", "gzip"] as const) {
    if (accepted.some((a) => a.name === candidate && a.q > 0)) return candidate;
  }
  return "identity";
}

/** The client file a request asks for under `path` (e.g. "/socket.io/socket.io.js?v=1"), if any. */
export function clientFileOf(url: string | undefined, path: string): string | undefined {
  if (!url?.startsWith(path + "/")) return undefined;
  const end = url.indexOf("?");
  const file = url.slice(path.length + 1, end === -1 ? undefined : end);
  return CLIENT_FILES.has(file) ? file : undefined;
}

/** Answers one request for a client bundle, with a version ETag (304 when it matches). */
export function serveClientFile(file: string, req: IncomingMessage, res: ServerResponse): void {
  const pkg = locateClient();
  if (!pkg) {
    res.writeHead(404);
    res.end();
    return;
  }
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch === pkg.etag || ifNoneMatch === "W/" + pkg.etag) {
    debug("serve client %s: 304", file);
    res.writeHead(304);
    res.end();
    return;
  }
  const encoding = pickEncoding(req.headers["accept-encoding"] as string | undefined);
  load(file, encoding, pkg.distDir).then(
    (body) => {
      debug("serve client %s (%s)", file, encoding);
      const headers: Record<string, string | number> = {
        "Cache-Control": "public, max-age=0",
        "Content-Type": `application/${file.endsWith(".map") ? "json" : "javascript"}; charset=utf-8`,
        ETag: pkg.etag,
        "Content-Length": body.length,
        Vary: "Accept-Encoding",
      };
      if (encoding !== "identity") headers["Content-Encoding"] = encoding;
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    },
    (err) => {
      debug("cannot read client file %s: %s", file, err);
      res.writeHead(404);
      res.end();
    },
  );
}
