import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Where screenshots go: test-artifacts/ at the repository root (git-ignored), to look at. */
export const ARTIFACTS_DIR = fileURLToPath(new URL("../../../test-artifacts/chat/", import.meta.url));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here (reported as the skip reason), or undefined when they can. */
export function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `Chromium not found at ${CHROMIUM_PATH} (install Debian's "chromium" or set CHROMIUM_PATH)`;
  }
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless Chromium on a fresh profile. Playwright refuses `--user-data-dir` in `args` for
 * `launch()`, so the fresh profile directory is given the supported way, as a persistent context.
 */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "sockline-chat-chromium-"));
  const args = [
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
  // Chromium's sandbox cannot start as root (CI containers).
  if (process.getuid?.() === 0) args.unshift("--no-sandbox");
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      viewport: { width: 1100, height: 680 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  // Fail a step in seconds, not at the whole file's timeout (the machine is slow, but not that slow).
  context.setDefaultTimeout(15_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** A page of the chat, driven like a user: helpers named after what the user does or sees. */
export class ChatPage {
  constructor(readonly page: Page) {}

  static async open(context: BrowserContext, url: string): Promise<ChatPage> {
    const page = await context.newPage();
    await page.goto(url);
    return new ChatPage(page);
  }

  /** Fills the login form; resolves once the page shows "connected". */
  async join(nickname: string, { pollingOnly = false } = {}): Promise<void> {
    await this.submitNickname(nickname, { pollingOnly });
    await this.waitForStatus(/^connected/);
    await this.page.locator("#room-title", { hasText: "#lobby" }).waitFor();
  }

  async submitNickname(nickname: string, { pollingOnly = false } = {}): Promise<void> {
    await this.page.locator("#nickname").fill(nickname);
    if (pollingOnly) await this.page.locator("#polling-only").check();
    await this.page.locator("#login-form button[type=submit]").click();
  }

  async waitForStatus(text: RegExp): Promise<void> {
    await this.page.locator("#status-text", { hasText: text }).waitFor();
  }

  async waitForTransport(name: string): Promise<void> {
    await this.page.locator("#transport", { hasText: new RegExp(`^${name}$`) }).waitFor();
  }

  async socketId(): Promise<string> {
    return (await this.page.locator("#me-id").textContent()) ?? "";
  }

  async say(text: string): Promise<void> {
    await this.page.locator("#message").fill(text);
    await this.page.locator("#message-form button[type=submit]").click();
  }

  /** Waits until the user's own message shows the "delivered" tick (the server's ack). */
  async waitForDelivered(text: string): Promise<void> {
    await this.page.locator("#messages li.mine", { hasText: text }).locator(".tick.delivered").waitFor();
  }

  async waitForMessage(text: string, from: string): Promise<void> {
    await this.page.locator("#messages li:not(.mine)", { hasText: text }).locator(".meta", { hasText: from }).waitFor();
  }

  async waitForMember(nickname: string): Promise<void> {
    await this.page.locator("#members li", { hasText: nickname }).waitFor();
  }

  async waitForMemberGone(nickname: string): Promise<void> {
    await this.page.locator("#members li", { hasText: nickname }).waitFor({ state: "detached" });
  }

  async members(): Promise<string[]> {
    return this.page.locator("#members li .name").allTextContents();
  }

  async joinRoom(room: string): Promise<void> {
    await this.page.locator("#room-name").fill(room);
    await this.page.locator("#room-form button[type=submit]").click();
    await this.page.locator("#room-title", { hasText: `#${room}` }).waitFor();
  }
}
