/**
 * Redis stops in the middle of a run and comes back on the same port: local clients keep being served, cross-node
 * requests fail with a clear error instead of hanging, the outage is reported once, and the cluster resumes without
 * restarting anything. Run for both adapters and both client libraries.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, eventsOf, startSocklineNode, waitForCluster, type Mode, type SocklineNode, type TestClient } from "./helpers/nodes.js";
import type { RedisAdapterMetrics } from "@sockline/redis-adapter";
import { redisServerSkipReason, startRedisServer, waitUntil, type RedisServer } from "@sockline/e2e/support";

const skip = redisServerSkipReason();

/** The figures of a node's "/" adapter in its io.metrics(). */
function adapterMetrics(node: SocklineNode): RedisAdapterMetrics {
  return node.io.metrics().adapters["/"] as unknown as RedisAdapterMetrics;
}

for (const mode of ["classic", "streams"] as Mode[]) {
  describe(`${mode} adapter: Redis outage`, { skip }, () => {
    let redis: RedisServer;
    let a: SocklineNode; // node-redis
    let b: SocklineNode; // ioredis
    let a1: TestClient;
    let b1: TestClient;
    const clients: TestClient[] = [];
    const outageErrors = new Map<string, Error[]>([
      ["A", []],
      ["B", []],
    ]);

    before(async () => {
      redis = await startRedisServer();
      [a, b] = await Promise.all([
        startSocklineNode({ name: "A", redisUrl: redis.url, mode, requestsTimeout: 1000 }),
        startSocklineNode({ name: "B", redisUrl: redis.url, mode, flavour: "ioredis", requestsTimeout: 1000 }),
      ]);
      for (const node of [a, b]) node.adapter().on("error", (error: Error) => outageErrors.get(node.name)!.push(error));
      await waitForCluster([a, b], 2);
      a1 = await connect(a.url, { user: "a1" });
      b1 = await connect(b.url, { user: "b1" });
      clients.push(a1, b1);
    });

    after(async () => {
      for (const client of clients) client.disconnect();
      await Promise.all([a?.close(), b?.close()]);
      await redis?.stop();
    });

    it("works across nodes before the outage", async () => {
      a.io.emit("before");
      await waitUntil(() => eventsOf(b1, "before").length === 1, "before on B");
      for (const node of [a, b]) assert.equal(adapterMetrics(node).reachable, true, node.name);
    });

    it("keeps serving local clients while Redis is down and fails cluster requests with a clear error", async () => {
      await redis.stop();
      await waitUntil(() => outageErrors.get("A")!.length > 0 && outageErrors.get("B")!.length > 0, "outage reported on both nodes");
      for (const [node, errors] of outageErrors) assert.match(errors[0]!.message, /Redis connection lost/, node);
      // io.metrics() says so too, under the namespace's adapter
      for (const node of [a, b]) assert.equal(adapterMetrics(node).reachable, false, node.name);
      const before = [a, b].map(adapterMetrics);

      // local broadcasts and new local connections still work
      a.io.emit("during", 1);
      await waitUntil(() => eventsOf(a1, "during").length === 1, "local broadcast during the outage");
      const late = await connect(b.url, { user: "late" });
      clients.push(late);
      b.io.emit("during", 2);
      await waitUntil(() => eventsOf(b1, "during").length === 1 && eventsOf(late, "during").length === 1, "B's clients");
      assert.deepEqual(eventsOf(b1, "during"), [[2]], "nothing crossed over from A");

      // requests that need the other nodes end with an error naming the operation, instead of hanging
      const failures = await Promise.allSettled([
        a.io.fetchSockets(),
        b.io.fetchSockets(),
        a.io.serverSideEmitWithAck("whoami"),
        b.io.serverSideEmitWithAck("whoami"),
      ]);
      for (const [i, result] of failures.entries()) {
        assert.equal(result.status, "rejected", `request ${i} should fail`);
        const message = (result as PromiseRejectedResult).reason.message as string;
        assert.match(message, /fetchSockets|serverSideEmit/);
        assert.match(message, /timeout|Redis/);
      }
      // each node's two requests (fetchSockets, serverSideEmitWithAck) failed: counted as timeouts
      for (const [i, node] of [a, b].entries()) {
        const now = adapterMetrics(node);
        assert.equal(now.timeouts - before[i]!.timeouts, 2, node.name);
        assert.equal(now.pendingRequests, 0, node.name);
      }
    });

    it("resumes broadcasts and requests when Redis comes back, without restarting the nodes", async () => {
      await redis.restart();
      await waitForCluster([a, b], 2);
      // the subscriptions come back asynchronously: repeat until one broadcast crosses over each way
      let i = 0;
      await waitUntil(() => {
        a.io.emit("after", i++);
        return eventsOf(b1, "after").length > 0;
      }, "A -> B again");
      await waitUntil(() => {
        b.io.emit("after-b", i++);
        return eventsOf(a1, "after-b").length > 0;
      }, "B -> A again");
      const sockets = await a.io.fetchSockets();
      assert.deepEqual(sockets.map((s: any) => s.data.user).sort(), ["a1", "b1", "late"]);
      const sent = adapterMetrics(a).requests;
      assert.deepEqual(await a.io.serverSideEmitWithAck("whoami"), ["B"]);
      assert.equal(adapterMetrics(a).requests, sent + 1, "one request sent to the other node");
      // reported once per adapter, not once per reconnection attempt
      assert.equal(outageErrors.get("A")!.length, 1);
      assert.equal(outageErrors.get("B")!.length, 1);
      for (const node of [a, b]) assert.equal(adapterMetrics(node).reachable, true, node.name);
    });
  });
}
