// Slow consumers: `clients` WebSocket clients of which `paused` stop reading (their TCP window
// fills); a controller triggers `broadcasts` broadcasts of `payloadKB` to everyone, the next one
// once every reading client got the previous one (so only the paused clients fall behind). Server
// RSS, heap and external memory after a forced GC are read before the broadcasts and after them
// (paused clients still connected, unless the server dropped them), then after everyone left.
// Sockline bounds what each connection may queue (maxBufferedBytes, 4 MiB by default) and drops a
// client past it; the reference keeps every broadcast for a paused client until its ping timeout.
import type { Metrics } from "../../ipc.js";
import { SioCountingClient } from "../../protocol/sio-counter.js";
import { round } from "../../stats.js";
import { HANDSHAKE_TIMEOUT_MS, memSnapshot, param, sleep, waitConnections, type Scenario } from "../context.js";

const MB = 1024 * 1024;
/** Longest wait for every reading client to receive one broadcast. */
const DELIVERY_TIMEOUT_MS = 60_000;

async function connectCounting(port: number, count: number, batch: number): Promise<SioCountingClient[]> {
  const clients: SioCountingClient[] = [];
  try {
    while (clients.length < count) {
      const size = Math.min(batch, count - clients.length);
      clients.push(
        ...(await Promise.all(
          Array.from({ length: size }, () => SioCountingClient.connect({ port, timeoutMs: HANDSHAKE_TIMEOUT_MS }, "big")),
        )),
      );
    }
  } catch (error) {
    await Promise.all(clients.map((client) => client.close()));
    throw error;
  }
  return clients;
}

export const slowConsumer: Scenario = async (context): Promise<Metrics> => {
  const { impl, ports } = context.job;
  const total = param(context, "clients");
  const pausedCount = param(context, "paused");
  const broadcasts = param(context, "broadcasts");
  const payloadBytes = param(context, "payloadKB") * 1024;
  const clients = await connectCounting(ports[0]!, total, 250);
  let during: { rssGrowthMB: number; heapGrowthMB: number; externalGrowthMB: number; pausedDropped: number };
  let seconds: number;
  try {
    const paused = clients.slice(0, pausedCount);
    const reading = clients.slice(pausedCount);
    const controller = reading[0]!;
    const seen = await waitConnections(context, total);
    if (!seen.reached) throw new Error(`slow-consumer on ${impl}: server sees ${seen.connections} of ${total} connections`);
    for (const client of paused) client.pause();
    const before = await memSnapshot(context);

    const started = performance.now();
    for (let b = 1; b <= broadcasts; b++) {
      controller.emit("bigcast", payloadBytes);
      const deadline = performance.now() + DELIVERY_TIMEOUT_MS;
      while (reading.some((client) => client.count < b)) {
        if (performance.now() > deadline) throw new Error(`slow-consumer on ${impl}: broadcast ${b} not delivered to every reading client`);
        await sleep(5);
      }
    }
    seconds = (performance.now() - started) / 1000;
    await sleep(param(context, "settleMs"));
    const after = await memSnapshot(context);
    const droppedReading = reading.filter((client) => client.closed).length;
    if (droppedReading > 0) throw new Error(`slow-consumer on ${impl}: ${droppedReading} reading clients were disconnected`);
    during = {
      rssGrowthMB: round((after.rss - before.rss) / MB),
      heapGrowthMB: round((after.heapUsed - before.heapUsed) / MB),
      externalGrowthMB: round((after.external - before.external) / MB),
      pausedDropped: total - after.connections,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  const gone = await waitConnections(context, 0);
  return {
    clients: total,
    paused: pausedCount,
    broadcasts,
    payloadKB: payloadBytes / 1024,
    seconds: round(seconds),
    ...during,
    connectionsLeft: gone.connections,
  };
};
