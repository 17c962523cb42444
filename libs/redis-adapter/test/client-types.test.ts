/**
 * The public factories accept the real client types of both libraries without casts (checked by the compiler when
 * this file builds), and reject anything else at run time with a clear message.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAdapter, createStreamsAdapter } from "@sockline/redis-adapter";
import { Redis } from "ioredis";
import { createClient } from "redis";

/** Never called: only type-checked. */
export function typeCheckOnly(): void {
  const nodeRedis = createClient({ url: "redis://127.0.0.1:1" });
  const ioredis = new Redis({ lazyConnect: true });
  createAdapter(nodeRedis, nodeRedis.duplicate());
  createAdapter(nodeRedis);
  createAdapter(ioredis, ioredis.duplicate(), { key: "app", requestsTimeout: 1000 });
  createStreamsAdapter(nodeRedis, { streamName: "s" });
  createStreamsAdapter(ioredis);
}

describe("client detection", () => {
  it("rejects objects that are neither node-redis nor ioredis clients", () => {
    assert.throws(() => createAdapter({} as any, {} as any), /unsupported Redis client/);
    assert.throws(() => createStreamsAdapter({ publish() {} } as any), /unsupported Redis client/);
  });
});
