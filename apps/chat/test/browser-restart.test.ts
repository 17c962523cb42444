import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChatPage, chromiumMissing, launchChromium, screenshot, type Browser } from "./browser.js";
import { killMain, startMain, type MainProcess } from "./chat-process.js";

const skip = chromiumMissing();

describe("the chat page when its server is restarted", () => {
  let browser: Browser;
  const processes: MainProcess[] = [];
  before(async () => {
    if (!skip) browser = await launchChromium();
  });
  after(async () => {
    for (const main of processes) await killMain(main);
    await browser?.close();
  });

  it("reconnects to the new process on the same port and joins its rooms again", { skip }, async () => {
    const first = startMain([]);
    processes.push(first);
    const url = await first.url;
    const ann = await ChatPage.open(browser.context, url);
    const bob = await ChatPage.open(browser.context, url);
    try {
      await ann.join("ann");
      await bob.join("bob");
      await ann.joinRoom("ops");
      await bob.joinRoom("ops");
      await bob.say("before the restart");
      await ann.waitForMessage("before the restart", "bob");

      // A crash: no goodbye to the clients, so the pages keep trying to reconnect.
      await killMain(first);
      await ann.waitForStatus(/reconnecting/);
      const second = startMain([], { PORT: new URL(url).port });
      processes.push(second);
      assert.equal(await second.url, url);

      // The new process has no session to recover: a fresh connection, and the page joins #ops again.
      await ann.page.locator("#status-text", { hasText: /^connected$/ }).waitFor();
      await bob.page.locator("#status-text", { hasText: /^connected$/ }).waitFor();
      await ann.page.locator("#room-title", { hasText: "#ops" }).waitFor();
      await ann.waitForMember("bob");
      await bob.say("after the restart");
      await bob.waitForDelivered("after the restart");
      await ann.waitForMessage("after the restart", "bob");
      // What was on screen before the restart is still there.
      await ann.waitForMessage("before the restart", "bob");
      await screenshot(ann.page, "fastify-after-restart");
    } finally {
      await ann.page.close();
      await bob.page.close();
    }
  });
});
