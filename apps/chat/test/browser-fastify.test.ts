import { browserSuite } from "./browser-suite.js";
import { droppedPageRecovers, invalidNicknameRefused, pollingAndWebsocketTalk, twoPagesTalk, whisperToMember } from "./scenarios.js";

browserSuite("the chat page in headless Chromium", ["fastify"], {
  "two pages join the same room, see each other, exchange messages and get delivered ticks": twoPagesTalk,
  "a dropped page recovers (status 'recovered') and receives the message it missed": droppedPageRecovers,
  "a polling-only page and a websocket page talk to each other": pollingAndWebsocketTalk,
  "a member clicked in the list gets a private message, nobody else": whisperToMember,
  "the guard's refusal of an invalid nickname is shown": invalidNicknameRefused,
});
