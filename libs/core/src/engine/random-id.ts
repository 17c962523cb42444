import { randomFillSync } from "node:crypto";

const ID_BYTES = 15;
const POOL_SIZE = ID_BYTES * 256;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * A random, URL-safe 20-character id (15 CSPRNG bytes in base64url), drawn from a pooled buffer: one
 * synchronous `randomFillSync` per 256 ids instead of one crypto job per id. Bytes are never handed
 * out twice, so ids drawn for different purposes (session ids, socket ids) stay independent.
 */
export function randomId(): string {
  if (offset + ID_BYTES > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
