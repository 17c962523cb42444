// Sockline with a node:diagnostics_channel subscriber on every Sockline channel (what an
// OpenTelemetry instrumentation does): each packet, connection, disconnect, handler span and ack
// span is published and handed to a subscriber that only counts it. The cost of tracing when
// someone looks; with nobody subscribed (`sockline`) nothing is published.
import diagnosticsChannel from "node:diagnostics_channel";
import { createServer } from "node:http";
import type { ImplFactory } from "../impl.js";
import { loadOptional } from "../optional.js";
import { runSockline, type ClosableSocklineServer } from "../run-sockline.js";

interface SocklineCore {
  Server: new (http: unknown, options?: Record<string, unknown>) => ClosableSocklineServer;
}

export const create: ImplFactory = async (options) => {
  const core = await loadOptional<SocklineCore>("@sockline/core", "Server");
  let seen = 0;
  const count = () => {
    seen++;
  };
  const channels = ["sockline:connection", "sockline:disconnect", "sockline:packet"];
  for (const name of channels) diagnosticsChannel.subscribe(name, count);
  const spans = { start: count, end: count, asyncStart: count, asyncEnd: count, error: count };
  const tracing = ["sockline:handler", "sockline:ack"].map((name) => diagnosticsChannel.tracingChannel(name));
  for (const channel of tracing) channel.subscribe(spans);
  const http = createServer();
  const running = await runSockline(new core.Server(http, {}), http, options);
  return {
    port: running.port,
    close: async () => {
      for (const name of channels) diagnosticsChannel.unsubscribe(name, count);
      for (const channel of tracing) channel.unsubscribe(spans);
      await running.close();
      if (seen === 0) throw new Error("the tracing subscriber saw nothing: the channels are not published");
    },
  };
};
