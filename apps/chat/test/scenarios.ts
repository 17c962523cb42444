import assert from "node:assert/strict";
import type { Route } from "playwright-core";
import type { Framework, RunningChat } from "@sockline/chat";
import { ChatPage, screenshot, type Browser } from "./browser.js";

/**
 * The browser scenarios, written once and run against the chat on each framework
 * (browser-fastify.test.ts runs them all, browser-frameworks.test.ts the main ones on Express and Nest).
 */

/** Two pages join the same room, see each other, exchange messages and get delivered ticks. */
export async function twoPagesTalk(browser: Browser, chat: RunningChat, framework: Framework): Promise<void> {
  const ann = await ChatPage.open(browser.context, chat.url);
  const bob = await ChatPage.open(browser.context, chat.url);
  try {
    await ann.join("ann");
    await bob.join("bob");
    await ann.waitForMember("bob");
    await bob.waitForMember("ann");
    assert.deepEqual(await ann.members(), ["ann", "bob"]);

    await ann.say("hi bob, this is a Sockline chat");
    await ann.waitForDelivered("hi bob, this is a Sockline chat");
    await bob.waitForMessage("hi bob, this is a Sockline chat", "ann");
    await bob.say(`hello ann, served by ${framework}`);
    await bob.waitForDelivered(`hello ann, served by ${framework}`);
    await ann.waitForMessage(`hello ann, served by ${framework}`, "bob");

    // Typing is volatile: checked once both pages are on websocket, where nothing is pending.
    await ann.waitForTransport("websocket");
    await bob.waitForTransport("websocket");
    await bob.page.locator("#message").fill("typing something");
    await ann.page.locator("#typing", { hasText: "bob is typing" }).waitFor();
    await screenshot(ann.page, `${framework}-two-pages`);

    await bob.page.close();
    await ann.waitForMemberGone("bob");
    assert.deepEqual(await ann.members(), ["ann"]);
  } finally {
    await ann.page.close();
    if (!bob.page.isClosed()) await bob.page.close();
  }
}

/** The server drops a page's connection; the page recovers (status "recovered") and gets what it missed. */
export async function droppedPageRecovers(browser: Browser, chat: RunningChat, framework: Framework): Promise<void> {
  const ann = await ChatPage.open(browser.context, chat.url);
  const bob = await ChatPage.open(browser.context, chat.url);
  try {
    await ann.join("ann");
    await bob.join("bob");
    await ann.waitForTransport("websocket");
    await bob.say("before the drop");
    await ann.waitForMessage("before the drop", "bob");
    const annId = await ann.socketId();

    // Hold ann's reconnection (it starts with a polling handshake) until bob's message is sent,
    // so that only the connection state recovery can bring it to her.
    const held: Route[] = [];
    let holding = true;
    await ann.page.route("**/socket.io/?*", (route) => (holding ? held.push(route) : route.continue()));
    const server = chat.chat.namespace.sockets.get(annId);
    assert.ok(server, `the server has no socket ${annId}`);
    server.conn.close();
    await ann.waitForStatus(/reconnecting/);
    await bob.waitForMemberGone("ann");

    await bob.say("sent while ann was away");
    await bob.waitForDelivered("sent while ann was away");
    holding = false;
    for (const route of held.splice(0)) await route.continue();

    await ann.waitForStatus(/recovered/);
    await ann.waitForMessage("sent while ann was away", "bob");
    assert.equal(await ann.socketId(), annId);
    await bob.waitForMember("ann");
    await screenshot(ann.page, `${framework}-recovered`);
    await ann.page.unroute("**/socket.io/?*");
  } finally {
    await ann.page.close();
    await bob.page.close();
  }
}

/** A polling-only page and a websocket page talk to each other. */
export async function pollingAndWebsocketTalk(browser: Browser, chat: RunningChat): Promise<void> {
  const paula = await ChatPage.open(browser.context, chat.url);
  const walt = await ChatPage.open(browser.context, chat.url);
  try {
    await paula.join("paula", { pollingOnly: true });
    await walt.join("walt");
    await walt.waitForTransport("websocket");
    await paula.waitForTransport("polling");
    // What the server sees, not only what the page says.
    const onServer = (id: string) => chat.chat.namespace.sockets.get(id)?.conn.transport.name;
    assert.equal(onServer(await paula.socketId()), "polling");
    assert.equal(onServer(await walt.socketId()), "websocket");

    await paula.joinRoom("mixed");
    await walt.joinRoom("mixed");
    await paula.waitForMember("walt");
    await paula.say("from long-polling");
    await paula.waitForDelivered("from long-polling");
    await walt.waitForMessage("from long-polling", "paula");
    await walt.say("from a websocket");
    await walt.waitForDelivered("from a websocket");
    await paula.waitForMessage("from a websocket", "walt");
    assert.equal(onServer(await paula.socketId()), "polling");
    await screenshot(paula.page, `${chat.framework}-polling-page`);
  } finally {
    await paula.page.close();
    await walt.page.close();
  }
}

/** Whispers to a member clicked in the list (private message by socket id). */
export async function whisperToMember(browser: Browser, chat: RunningChat): Promise<void> {
  const ann = await ChatPage.open(browser.context, chat.url);
  const bob = await ChatPage.open(browser.context, chat.url);
  const cat = await ChatPage.open(browser.context, chat.url);
  try {
    await ann.join("ann");
    await bob.join("bob");
    await cat.join("cat");
    await ann.waitForMember("bob");
    await ann.page.locator("#members li", { hasText: "bob" }).click();
    await ann.page.locator("#whisper-to", { hasText: "bob" }).waitFor();
    await ann.say("just between us");
    await bob.page.locator("#messages li.private", { hasText: "just between us" }).waitFor();
    await ann.page.locator("#messages li.private", { hasText: "just between us" }).waitFor();
    await cat.say("a public message after the whisper");
    await cat.waitForDelivered("a public message after the whisper");
    await ann.waitForMessage("a public message after the whisper", "cat");
    assert.equal(await cat.page.locator("#messages li", { hasText: "just between us" }).count(), 0);
  } finally {
    await Promise.all([ann.page.close(), bob.page.close(), cat.page.close()]);
  }
}

/** The connection guard's refusal of an invalid nickname is shown on the page. */
export async function invalidNicknameRefused(browser: Browser, chat: RunningChat): Promise<void> {
  const page = await ChatPage.open(browser.context, chat.url);
  try {
    // The form limits the length; the server must refuse on its own, so lift the limit.
    await page.page.locator("#nickname").evaluate((input) => input.removeAttribute("maxlength"));
    await page.submitNickname("n".repeat(30));
    await page.page.locator("#login-error", { hasText: "at most 24 characters" }).waitFor();
    assert.equal(await page.page.locator("#chat").isHidden(), true);
    await screenshot(page.page, `${chat.framework}-refused-nickname`);
    // The same page can then join with a valid nickname.
    await page.join("valid-name");
  } finally {
    await page.page.close();
  }
}
