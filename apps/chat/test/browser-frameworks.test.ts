import { browserSuite } from "./browser-suite.js";
import { droppedPageRecovers, twoPagesTalk } from "./scenarios.js";

// The same gateways on the two other frameworks: the main scenario and recovery, in a real browser.
browserSuite("the chat page in headless Chromium, other frameworks", ["express", "nestjs"], {
  "two pages join the same room, see each other, exchange messages and get delivered ticks": twoPagesTalk,
  "a dropped page recovers (status 'recovered') and receives the message it missed": droppedPageRecovers,
});
