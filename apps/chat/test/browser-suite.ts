import { after, before, describe, it } from "node:test";
import { startChat, type Framework, type RunningChat } from "@sockline/chat";
import { chromiumMissing, launchChromium, type Browser } from "./browser.js";

export type Scenario = (browser: Browser, chat: RunningChat, framework: Framework) => Promise<void>;

/**
 * One headless Chromium for the file, one chat server per framework, and the given scenarios as
 * tests. The whole suite is reported as skipped, with the reason, when Chromium is absent.
 */
export function browserSuite(title: string, frameworks: readonly Framework[], scenarios: Record<string, Scenario>): void {
  describe(title, { skip: chromiumMissing() }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    for (const framework of frameworks) {
      describe(`served by ${framework}`, () => {
        let chat: RunningChat;
        before(async () => {
          chat = await startChat({ framework, host: "127.0.0.1", port: 0 });
        });
        after(async () => {
          await chat?.close();
        });
        for (const [name, scenario] of Object.entries(scenarios)) {
          it(name, () => scenario(browser, chat, framework));
        }
      });
    }
  });
}
