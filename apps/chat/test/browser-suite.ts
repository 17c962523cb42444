import { after, before, describe, it } from "node:test";
import { startChat, type Framework, type RunningChat } from "@sockline/chat";
import { chromiumMissing, launchChromium, type Browser } from "./browser.js";

export type Scenario = (browser: Browser, chat: RunningChat, framework: Framework) => Promise<void>;

/**
 * One headless Chromium for the file, one chat server per framework, and the given scenarios as
 * tests. Every test is reported as skipped, with the reason, when Chromium is absent.
 */
export function browserSuite(title: string, frameworks: readonly Framework[], scenarios: Record<string, Scenario>): void {
  // Each test carries the skip reason (not only the suite), so the run's counts show them as skipped.
  const skip = chromiumMissing();
  describe(title, () => {
    let browser: Browser;
    before(async () => {
      if (!skip) browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    for (const framework of frameworks) {
      describe(`served by ${framework}`, () => {
        let chat: RunningChat;
        before(async () => {
          if (skip) return;
          chat = await startChat({ framework, host: "127.0.0.1", port: 0 });
        });
        after(async () => {
          await chat?.close();
        });
        for (const [name, scenario] of Object.entries(scenarios)) {
          it(name, { skip }, () => scenario(browser, chat, framework));
        }
      });
    }
  });
}
