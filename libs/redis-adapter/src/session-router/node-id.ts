/**
 * Node ids of the Redis session router. Session ids are the seam's routed ids (`<nodeId>.<secret>`, see
 * `routedSessionId` in `@sockline/core/engine`): any node finds the owner of a session from its id alone. The node id
 * is public (it is in every session id the node hands out); the secret part stays the secret, exactly as on one node.
 */
import { randomBytes } from "node:crypto";
import { NODE_ID_PATTERN } from "@sockline/core/engine";

/** A random node id: 12 base64url characters (72 bits), so that live nodes never collide. */
export function newNodeId(): string {
  return randomBytes(9).toString("base64url");
}

export function isNodeId(value: string): boolean {
  return NODE_ID_PATTERN.test(value);
}
