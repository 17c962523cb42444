// The mount's own options stay with the mount: the core warns about options it does not know
// (SOCKLINE_UNKNOWN_OPTION), so none of them may reach it. A file of its own: the core warns once
// per option name and process, so an earlier test in the same process would hide the warning.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import express from "express";
import { sockline } from "@sockline/express";
import { appListen } from "./helpers.js";
import { closeServer, connectClient } from "@sockline/e2e/support";

describe("@sockline/express options", () => {
  it("every option of the mount is its own or the core's: no unknown-option warning, and the server's options apply", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const app = express();
    const { server, url } = await appListen(app);
    const io = sockline(app, {
      server,
      gateways: [],
      gatewayFactory: () => ({}),
      upgradeRoutingTimeout: 5000,
      maxPendingUpgrades: 10,
      logger: false,
      pingInterval: 4321,
      maxBufferedBytes: 1e6,
    });
    try {
      const client = await connectClient(url, { transports: ["websocket"] });
      assert.equal(io.engine.opts.pingInterval, 4321);
      assert.equal(io.engine.opts.maxBufferedBytes, 1e6);
      client.disconnect();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
      );
    } finally {
      process.off("warning", onWarning);
      await io.close();
      await closeServer(server);
    }
  });
});
