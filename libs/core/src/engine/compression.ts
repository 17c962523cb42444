/** HTTP compression (gzip / deflate) of polling responses above a size threshold. */
import { deflate, gzip, type ZlibOptions } from "node:zlib";

export interface HttpCompressionOptions extends ZlibOptions {
  /** Responses smaller than this many bytes are sent as is. Default 1024. */
  threshold?: number;
}

export type ContentEncoding = "gzip" | "deflate";

/** The first of gzip/deflate the client accepts (ignoring `q=0`), or undefined. */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding | undefined {
  if (!acceptEncoding) return undefined;
  let gzipOk = false;
  let deflateOk = false;
  for (const part of acceptEncoding.split(",")) {
    const [rawName, ...params] = part.split(";");
    const name = rawName!.trim().toLowerCase();
    const refused = params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
    if (refused) continue;
    if (name === "gzip" || name === "*") gzipOk = true;
    if (name === "deflate") deflateOk = true;
  }
  return gzipOk ? "gzip" : deflateOk ? "deflate" : undefined;
}

export function compress(
  encoding: ContentEncoding,
  body: string | Buffer,
  options: ZlibOptions,
  callback: (err: Error | null, result: Buffer) => void,
): void {
  (encoding === "gzip" ? gzip : deflate)(body, options, callback);
}
