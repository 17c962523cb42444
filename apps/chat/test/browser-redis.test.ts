import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startChat, type RunningChat } from "@sockline/chat";
import { ChatPage, chromiumMissing, launchChromium, screenshot, type Browser } from "./browser.js";
import { redisServerSkipReason, startRedisServer, type RedisServer } from "@sockline/e2e/support";

const skip = chromiumMissing() ?? redisServerSkipReason();

describe("the chat page on two nodes sharing Redis", () => {
  let browser: Browser;
  let redis: RedisServer;
  let nodeA: RunningChat;
  let nodeB: RunningChat;
  before(async () => {
    if (skip) return;
    redis = await startRedisServer();
    nodeA = await startChat({ framework: "fastify", host: "127.0.0.1", port: 0, redisUrl: redis.url });
    nodeB = await startChat({ framework: "nestjs", host: "127.0.0.1", port: 0, redisUrl: redis.url });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await nodeA?.close();
    await nodeB?.close();
    await redis?.stop();
  });

  it("a page on each node: one member list, messages and ticks across the nodes", { skip }, async () => {
    const ann = await ChatPage.open(browser.context, nodeA.url);
    const bob = await ChatPage.open(browser.context, nodeB.url);
    try {
      await ann.join("ann");
      await bob.join("bob");
      await ann.waitForMember("bob");
      await bob.waitForMember("ann");
      assert.deepEqual(await bob.members(), ["ann", "bob"]);
      await ann.say("from the Fastify node");
      await ann.waitForDelivered("from the Fastify node");
      await bob.waitForMessage("from the Fastify node", "ann");
      await bob.say("from the NestJS node");
      await bob.waitForDelivered("from the NestJS node");
      await ann.waitForMessage("from the NestJS node", "bob");
      await screenshot(bob.page, "redis-two-nodes");
    } finally {
      await ann.page.close();
      await bob.page.close();
    }
  });
});
