/**
 * `@sockline/core/cluster` where it is called from the wrong process or with wrong options: clear
 * errors at once. Routing between real workers is tested end to end (test/src/cluster-routing.test.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clusterRouter, setupPrimary, workerNodeId } from "@sockline/core/cluster";

describe("@sockline/core/cluster", () => {
  it("clusterRouter() outside a cluster worker says where it belongs", () => {
    assert.throws(() => clusterRouter(), { name: "TypeError", message: /runs in a cluster worker \(the primary runs setupPrimary\(\)\)/ });
  });

  it("setupPrimary() refuses a bound that is not positive, and can be set up and closed in the primary", () => {
    assert.throws(() => setupPrimary({ maxPending: 0 }), /maxPending must be a positive number, got 0/);
    const primary = setupPrimary();
    assert.equal(primary.pendingCount, 0);
    primary.close();
  });

  it("names workers by their cluster id", () => {
    assert.equal(workerNodeId(3), "w3");
  });
});
