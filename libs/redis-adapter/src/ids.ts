import { randomBytes } from "node:crypto";

/** Random identifier for a node or a request (16 hex characters). */
export function randomId(): string {
  return randomBytes(8).toString("hex");
}
