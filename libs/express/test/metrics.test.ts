// The `metrics` option of the mount: the Prometheus text on a route of the app, behind the
// middleware that precedes the mount.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import express from "express";
import { Registry } from "prom-client";
import { sockline } from "@sockline/express";
import { closeServer, connectClient } from "@sockline/e2e/support";
import { appListen } from "./helpers.js";

describe("@sockline/express metrics option", () => {
  it("serves the registry on the named route, behind the app's middleware; io.close() unregisters", async () => {
    const app = express();
    // an auth check before the mount guards the metrics route too
    app.use((req, res, next) => (req.headers.authorization === "Bearer ops" ? next() : res.status(401).end()));
    const registry = new Registry();
    const io = sockline(app, { metrics: { route: "/metrics", registry, prefix: "chat_" }, logger: false });
    io.on("connection", (socket) => socket.on("hi", (ack: () => void) => ack()));
    const { server, url } = await appListen(app);
    try {
      const headers = { authorization: "Bearer ops" };
      const client = await connectClient(url, { extraHeaders: headers });
      await client.emitWithAck("hi");
      assert.equal((await fetch(`${url}/metrics`)).status, 401);
      const response = await fetch(`${url}/metrics`, { headers });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      assert.match(text, /^chat_connected_clients\{namespace="\/",transport="websocket"\} 1$/m);
      assert.match(text, /^chat_packets_received_total\{type="EVENT"\} 1$/m);
      client.disconnect();
    } finally {
      await io.close();
      await closeServer(server);
    }
    assert.equal((await registry.metrics()).trim(), "");
  });
});
