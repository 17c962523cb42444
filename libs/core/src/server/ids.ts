import { randomFillSync } from "node:crypto";

const ID_BYTES = 15;
const POOL_SIZE = ID_BYTES * 256;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * A random, URL-safe 20-character id, drawn from a pooled buffer (one CSPRNG call per 256 ids). Socket
 * ids are not the engine id: the engine id is a credential for the polling transport and must never be
 * shown to other clients.
 */
export function generateId(): string {
  if (offset + ID_BYTES > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
