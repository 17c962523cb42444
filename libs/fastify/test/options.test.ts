// The plugin's own options (and the registration options Fastify hands to every plugin: prefix,
// logLevel, logSerializers) stay with the plugin: the core warns about options it does not know
// (SOCKLINE_UNKNOWN_OPTION), so none of them may reach it. A file of its own: the core warns once
// per option name and process, so an earlier test in the same process would hide the warning.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { socketioPlugin, type FastifySocklineServer } from "@sockline/fastify";
import { connectClient } from "@sockline/e2e/support";
import { listen } from "./helpers.js";

describe("@sockline/fastify options", () => {
  it("every option of the plugin is its own, Fastify's or the core's: no unknown-option warning, and the server's options apply", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const app = Fastify();
    try {
      await app.register(socketioPlugin, {
        decorator: "realtime",
        gateways: [],
        gatewayFactory: () => ({}),
        upgradeRoutingTimeout: 5000,
        maxPendingUpgrades: 10,
        logDiagnostics: false,
        pingInterval: 4321,
        maxBufferedBytes: 1e6,
        // what Fastify's register() reads itself, and passes on
        logLevel: "warn",
        logSerializers: {},
      } as Parameters<typeof socketioPlugin>[1]);
      const url = await listen(app);
      const client = await connectClient(url, { transports: ["websocket"] });
      const { engine } = (app as unknown as { realtime: FastifySocklineServer }).realtime;
      assert.equal(engine.opts.pingInterval, 4321);
      assert.equal(engine.opts.maxBufferedBytes, 1e6);
      client.disconnect();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
      );
    } finally {
      process.off("warning", onWarning);
      await app.close();
    }
  });
});
