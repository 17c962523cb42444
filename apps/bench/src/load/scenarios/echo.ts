// Scenario 1: echo with ack. `clients` connections in a closed loop, each emitting "echo" with an
// ack callback and waiting for the acknowledgement before the next emit.
import { closeAll, connectMany } from "../../protocol/connect.js";
import { HANDSHAKE_TIMEOUT_MS, param, type Scenario } from "../context.js";
import { measureRequestLoop } from "./request-loop.js";

export const echo: Scenario = async (context) => {
  const { impl, ports } = context.job;
  const clients = await connectMany(impl, { port: ports[0]!, timeoutMs: HANDSHAKE_TIMEOUT_MS }, param(context, "clients"), 100);
  try {
    const payload = { n: 42, text: "hello from the load generator" };
    const workers = clients.map((client) => (done: () => void) => client.emitWithAck("echo", payload, done));
    return { clients: clients.length, ...(await measureRequestLoop(context, workers, param(context, "warmupMs"))) };
  } finally {
    await closeAll(clients);
  }
};
