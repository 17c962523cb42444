import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChatStore, checkNickname } from "@sockline/chat";
import { CoalescingRefresher } from "../dist/coalescing-refresher.js";

describe("checkNickname", () => {
  it("accepts 1 to 24 characters after trimming, counted in code points", () => {
    assert.deepEqual(checkNickname({ nickname: "  ann  " }), { ok: true, nickname: "ann" });
    assert.deepEqual(checkNickname({ nickname: "🦊".repeat(24) }), { ok: true, nickname: "🦊".repeat(24) });
  });
  it("refuses a missing, empty, too long or garbled nickname with the reason", () => {
    assert.deepEqual(checkNickname(undefined), { ok: false, reason: "a nickname is required (handshake auth.nickname)" });
    assert.deepEqual(checkNickname({ nickname: 42 }), { ok: false, reason: "a nickname is required (handshake auth.nickname)" });
    assert.deepEqual(checkNickname({ nickname: " \t " }), { ok: false, reason: "the nickname must not be empty" });
    assert.deepEqual(checkNickname({ nickname: "x".repeat(25) }), {
      ok: false,
      reason: "the nickname must be at most 24 characters (got 25)",
    });
    assert.deepEqual(checkNickname({ nickname: "a\u0007b" }), { ok: false, reason: "the nickname contains control characters" });
    assert.deepEqual(checkNickname({ nickname: "a\u202eb" }), { ok: false, reason: "the nickname contains control characters" });
  });
});

describe("ChatStore", () => {
  const ann = { id: "a", nickname: "ann" };
  it("keeps the newest messages of each room", () => {
    const store = new ChatStore(2, 10);
    for (const text of ["1", "2", "3"]) store.createMessage("r", ann, text);
    assert.deepEqual(
      store.history("r").map((m) => m.text),
      ["2", "3"],
    );
    assert.deepEqual(store.history("unknown"), []);
  });
  it("forgets the room idle the longest when there are too many rooms", () => {
    const store = new ChatStore(5, 2);
    store.createMessage("old", ann, "x");
    store.createMessage("busy", ann, "x");
    store.createMessage("old", ann, "y"); // "busy" is now the idle one
    store.createMessage("new", ann, "x");
    assert.deepEqual(store.history("busy"), []);
    assert.equal(store.history("old").length, 2);
    assert.equal(store.history("new").length, 1);
  });
  it("returns copies of the history", () => {
    const store = new ChatStore();
    store.createMessage("r", ann, "x");
    store.history("r").pop();
    assert.equal(store.history("r").length, 1);
  });
});

describe("CoalescingRefresher", () => {
  it("never overlaps refreshes of a key and folds the requests made meanwhile into one more run", async () => {
    let running = 0;
    let runs = 0;
    let release!: () => void;
    const refresher = new CoalescingRefresher<string>(
      async () => {
        assert.equal(running++, 0);
        runs++;
        await new Promise<void>((resolve) => (release = resolve));
        running--;
      },
      (_key, error) => assert.fail(String(error)),
    );
    const first = refresher.request("room");
    const second = refresher.request("room");
    const third = refresher.request("room");
    release(); // ends run 1; runs 2 starts for the two requests made during run 1
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2);
    release();
    await Promise.all([first, second, third, refresher.settled()]);
    assert.equal(runs, 2);
  });
  it("reports a failed refresh and keeps going", async () => {
    const errors: unknown[] = [];
    const refresher = new CoalescingRefresher<string>(
      async () => {
        throw new Error("fetchSockets timed out");
      },
      (key, error) => errors.push([key, (error as Error).message]),
    );
    await refresher.request("lobby");
    assert.deepEqual(errors, [["lobby", "fetchSockets timed out"]]);
  });
});
