// Picks the client that speaks the protocol of the implementation under test.
import type { ImplName } from "../ipc.js";
import type { BenchClient, ConnectOptions } from "./client.js";
import { RawWsClient } from "./raw-ws.js";
import { SioWsClient } from "./sio-ws.js";

export function connectClient(impl: ImplName, options: ConnectOptions): Promise<BenchClient> {
  return impl === "ws" ? RawWsClient.connect(options) : SioWsClient.connect(options);
}

/** Connects `count` clients, at most `batchSize` handshakes in flight at a time. */
export async function connectMany(impl: ImplName, options: ConnectOptions, count: number, batchSize: number): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  try {
    while (clients.length < count) {
      const size = Math.min(batchSize, count - clients.length);
      const settled = await Promise.allSettled(Array.from({ length: size }, () => connectClient(impl, options)));
      for (const outcome of settled) if (outcome.status === "fulfilled") clients.push(outcome.value);
      const failure = settled.find((outcome) => outcome.status === "rejected");
      if (failure) throw (failure as PromiseRejectedResult).reason;
    }
  } catch (error) {
    await closeAll(clients);
    throw error;
  }
  return clients;
}

export async function closeAll(clients: readonly BenchClient[], batchSize = 1000): Promise<void> {
  for (let start = 0; start < clients.length; start += batchSize) {
    await Promise.all(clients.slice(start, start + batchSize).map((client) => client.close()));
  }
}
