import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ChatPage, chromiumMissing, launchChromium, screenshot, type Browser } from "./browser.js";
import { killMain, startMain, type MainProcess } from "./chat-process.js";
import { waitUntil } from "@sockline/e2e/support";

const skip = chromiumMissing();

/** The worker that owns the page's session: the node id that prefixes its engine session id (`w2.…`). */
function watchOwner(page: Page): () => string | undefined {
  let owner: string | undefined;
  page.on("request", (request) => {
    const sid = new URL(request.url()).searchParams.get("sid");
    if (sid) owner = sid.slice(0, sid.indexOf("."));
  });
  return () => owner;
}

async function ownerOf(owner: () => string | undefined): Promise<string> {
  await waitUntil(() => owner() !== undefined, "a request of the page to carry its session id");
  return owner()!;
}

describe("the chat on cluster workers without sticky sessions (npm start -- --workers=2)", () => {
  let browser: Browser;
  let main: MainProcess;
  before(async () => {
    if (skip) return;
    browser = await launchChromium();
    main = startMain(["--workers=2"]);
  });
  after(async () => {
    if (main) {
      // a graceful stop: the primary tells its workers, everything exits
      if (main.child.exitCode === null) main.child.kill("SIGTERM");
      await Promise.race([main.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await killMain(main);
    }
    await browser?.close();
  });

  it("a polling-only page and a WebSocket page on different workers chat with each other", { skip }, async () => {
    const url = await main.url;
    assert.match(main.output(), /2 cluster workers, no sticky sessions/);
    const pages: ChatPage[] = [];
    try {
      const ann = await ChatPage.open(browser.context, url);
      pages.push(ann);
      const annOwner = watchOwner(ann.page);
      await ann.join("ann", { pollingOnly: true });
      await ann.waitForTransport("polling");
      const annNode = await ownerOf(annOwner);

      // Node's round-robin decides where a handshake lands: open WebSocket pages until one lands on the other worker.
      let bob: ChatPage | undefined;
      let bobName = "";
      for (let attempt = 0; attempt < 10 && bob === undefined; attempt++) {
        const candidate = await ChatPage.open(browser.context, url);
        pages.push(candidate);
        const owner = watchOwner(candidate.page);
        await candidate.join(`bob${attempt}`);
        await candidate.waitForTransport("websocket");
        if ((await ownerOf(owner)) !== annNode) {
          bob = candidate;
          bobName = `bob${attempt}`;
        } else await candidate.page.close();
      }
      assert.ok(bob, "a WebSocket page landed on the other worker");
      // presence crosses the workers (fetchSockets through the cluster adapter)
      await ann.waitForMember(bobName);
      await bob.waitForMember("ann");

      await ann.say("from the polling page");
      await ann.waitForDelivered("from the polling page");
      await bob.waitForMessage("from the polling page", "ann");
      await bob.say("from the websocket page");
      await bob.waitForDelivered("from the websocket page");
      await ann.waitForMessage("from the websocket page", bobName);
      await ann.waitForTransport("polling");
      await bob.waitForTransport("websocket");
      await screenshot(ann.page, "workers-polling-page");
      await screenshot(bob.page, "workers-websocket-page");
    } finally {
      for (const page of pages) if (!page.page.isClosed()) await page.page.close();
    }
  });
});
