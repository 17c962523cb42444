// Scenario 6: binary echo. Each client sends a `payloadBytes` Buffer as a binary attachment with an
// ack, the server acknowledges with the same Buffer; MB/s counts payload bytes echoed (one way).
import { closeAll, connectMany } from "../../protocol/connect.js";
import { round } from "../../stats.js";
import { HANDSHAKE_TIMEOUT_MS, param, type Scenario } from "../context.js";
import { measureRequestLoop } from "./request-loop.js";

export const binary: Scenario = async (context) => {
  const { impl, ports } = context.job;
  const size = param(context, "payloadBytes");
  const payload = Buffer.alloc(size, 7);
  const clients = await connectMany(impl, { port: ports[0]!, timeoutMs: HANDSHAKE_TIMEOUT_MS }, param(context, "clients"), 50);
  try {
    const workers = clients.map(
      (client) => (done: () => void) =>
        client.echoBinary(payload, (reply) => {
          if (reply.length !== size) throw new Error(`binary echo on ${impl}: got ${reply.length} bytes, sent ${size}`);
          done();
        }),
    );
    const metrics = await measureRequestLoop(context, workers, param(context, "warmupMs"));
    return { clients: clients.length, payloadBytes: size, ...metrics, mbPerSec: round((metrics.opsPerSec! * size) / 1e6) };
  } finally {
    await closeAll(clients);
  }
};
