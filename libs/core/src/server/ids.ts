import { randomId } from "../engine/random-id.js";

/**
 * A random, URL-safe 20-character id for a Socket.IO socket (see `randomId`). Socket ids are not the
 * engine id: the engine id is a credential for the polling transport and must never be shown to
 * other clients; both come from separate draws of the CSPRNG pool.
 */
export function generateId(): string {
  return randomId();
}
