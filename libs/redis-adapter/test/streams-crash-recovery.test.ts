/**
 * Connection state recovery after a node crash (streams adapter, `persistConnectedSessions`): node A is killed
 * without any cleanup, its client comes back through the balancer to node B and gets its id, rooms, data and the
 * packets it missed. Without the option the session was never written (a crashed node persists nothing) and the
 * client starts afresh: the reference's behaviour, checked too.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { once, redisServerSkipReason, startRedisServer, waitUntil, type RedisServer } from "@sockline/e2e/support";
import { ChildNode } from "./helpers/child-node.js";
import { connect, eventsOf, startSocklineNode, type SocklineNode, type TestClient } from "./helpers/nodes.js";
import { SwitchProxy } from "./helpers/switch-proxy.js";

const skip = redisServerSkipReason();

for (const persistConnectedSessions of [true, false]) {
  describe(`streams adapter: a node crashes (persistConnectedSessions: ${persistConnectedSessions})`, { skip }, () => {
    let redis: RedisServer;
    let a: ChildNode;
    let b: SocklineNode;
    let proxy: SwitchProxy;
    let client: TestClient | undefined;

    before(async () => {
      redis = await startRedisServer();
      const common = { redisUrl: redis.url, mode: "streams" as const, recovery: true, persistConnectedSessions };
      [a, b] = await Promise.all([ChildNode.start({ ...common, name: "A" }), startSocklineNode({ ...common, name: "B" })]);
      proxy = await SwitchProxy.start(a.port);
    });

    after(async () => {
      client?.disconnect();
      await proxy?.close();
      await a?.close();
      await b?.close();
      await redis?.stop();
    });

    it(persistConnectedSessions ? "recovers the session on another node" : "starts a fresh session (nothing was persisted)", async () => {
      client = await connect(proxy.url, { room: "r1", user: "survivor" });
      const firstId = client.id;
      await a.call("emit", { event: "before", args: [1], rooms: ["r1"] });
      await waitUntil(() => eventsOf(client!, "before").length === 1, "a packet before the crash (the client's offset)");

      const disconnected = once(client, "disconnect");
      await a.kill();
      proxy.switchTo(b.port);
      await disconnected;
      b.io.to("r1").emit("missed", "while away");
      await once(client, "connect");
      assert.equal(client.recovered, persistConnectedSessions);
      if (!persistConnectedSessions) return;
      assert.equal(client.id, firstId);
      await waitUntil(() => eventsOf(client!, "missed").length === 1, "the missed packet");
      const [restored]: any[] = await b.io.in(firstId!).fetchSockets();
      assert.deepEqual(restored.data, { node: "A", user: "survivor" });
      assert.deepEqual(new Set(restored.rooms), new Set([firstId, "r1"]));
    });
  });
}
