// Scenario 3: memory per idle WebSocket connection. Server heap and RSS after a forced GC are read
// before connecting, with `clients` idle connections, and after they all disconnected; the last
// reading minus the first is what stays behind (a leak shows there).
import type { Metrics } from "../../ipc.js";
import { closeAll, connectMany } from "../../protocol/connect.js";
import { round } from "../../stats.js";
import { HANDSHAKE_TIMEOUT_MS, memSnapshot, param, sleep, waitConnections, type Scenario } from "../context.js";

export const memory: Scenario = async (context): Promise<Metrics> => {
  const { impl, ports } = context.job;
  const count = param(context, "clients");
  // Warm the code paths first so the baseline already holds compiled code and lazily built tables.
  await closeAll(await connectMany(impl, { port: ports[0]!, timeoutMs: HANDSHAKE_TIMEOUT_MS }, 50, 50));
  await waitConnections(context, 0);
  const before = await memSnapshot(context);

  const started = performance.now();
  const clients = await connectMany(impl, { port: ports[0]!, timeoutMs: HANDSHAKE_TIMEOUT_MS }, count, param(context, "batch"));
  const connectSeconds = (performance.now() - started) / 1000;
  let connected: Awaited<ReturnType<typeof memSnapshot>>;
  try {
    const seen = await waitConnections(context, count);
    if (!seen.reached) throw new Error(`memory on ${impl}: server sees ${seen.connections} of ${count} connections`);
    await sleep(param(context, "settleMs"));
    connected = await memSnapshot(context);
  } finally {
    await closeAll(clients);
  }
  const gone = await waitConnections(context, 0);
  await sleep(param(context, "settleMs"));
  const after = await memSnapshot(context);
  return {
    clients: count,
    connectPerSec: round(count / connectSeconds),
    heapPerConnKB: round((connected.heapUsed - before.heapUsed) / count / 1024),
    rssPerConnKB: round((connected.rss - before.rss) / count / 1024),
    externalPerConnKB: round((connected.external - before.external) / count / 1024),
    heapAfterDisconnectKB: round((after.heapUsed - before.heapUsed) / 1024),
    heapLeftPerConnB: round((after.heapUsed - before.heapUsed) / count),
    rssAfterDisconnectKB: round((after.rss - before.rss) / 1024),
    connectionsLeft: gone.connections,
  };
};
