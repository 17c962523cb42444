// The official admin UI (@socket.io/admin-ui) instrumenting the server: what its browser app
// receives and the actions it sends, the same against either implementation.
import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { instrument } from "@socket.io/admin-ui";
import { Harness } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { connected, nextEvent, once } from "@sockline/e2e/support";

describe(`[${IMPL}] @socket.io/admin-ui`, () => {
  let h: Harness;
  afterEach(() => h.close());

  for (const mode of ["websocket", "polling"] as const) {
    it(`config, stats, socket list, live events and actions (clients over ${mode})`, async () => {
      h = await Harness.start({}, mode);
      instrument(h.io, { auth: false, mode: "development" });
      const { client: user } = await h.connect("/");
      const admin = h.client("/admin");
      const configSent = once<[{ supportedFeatures: string[] }]>(admin, "config");
      const socketsSent = once<[{ id: string; nsp: string; transport: string }[]]>(admin, "all_sockets");
      await connected(admin);
      assert.deepEqual((await configSent)[0].supportedFeatures.sort(), [
        "AGGREGATED_EVENTS",
        "ALL_EVENTS",
        "DISCONNECT",
        "EMIT",
        "JOIN",
        "LEAVE",
        "MDISCONNECT",
        "MJOIN",
        "MLEAVE",
      ]);
      const listed = (await socketsSent)[0].find((s) => s.id === user.id);
      assert.equal(listed?.nsp, "/");
      assert.equal(listed?.transport, mode);
      const stats = await nextEvent<{ clientsCount: number; namespaces: { name: string; socketsCount: number }[] }>(admin, "server_stats", {
        match: (s) => s.clientsCount === 2,
      });
      assert.equal(stats.namespaces.find((n) => n.name === "/")?.socketsCount, 1);

      const received = once<[string, string, unknown[]]>(admin, "event_received");
      user.emit("hello", "world");
      assert.deepEqual((await received).slice(0, 3), ["/", user.id, ["hello", "world"]]);
      const joined = once<[string, string, string]>(admin, "room_joined");
      admin.emit("join", "/", "vip", user.id);
      assert.deepEqual((await joined).slice(0, 3), ["/", "vip", user.id]);
      const news = once<[number]>(user, "news");
      admin.emit("emit", "/", "vip", "news", 42);
      assert.deepEqual(await news, [42]);
      const userId = user.id; // the client forgets its id once disconnected
      const gone = once<[string, string, string]>(admin, "socket_disconnected");
      admin.emit("_disconnect", "/", false, "vip");
      assert.deepEqual((await gone).slice(0, 3), ["/", userId, "server namespace disconnect"]);
    });
  }
});
