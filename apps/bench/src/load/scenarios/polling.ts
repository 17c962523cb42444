// Scenario 5: HTTP long-polling only. `clients` Socket.IO sessions over polling (keep-alive agent),
// each in a closed loop of "echo" with ack (the ack comes back on the pending GET).
import { Agent } from "node:http";
import { SioPollingClient } from "../../protocol/sio-polling.js";
import { HANDSHAKE_TIMEOUT_MS, param, type Scenario } from "../context.js";
import { measureRequestLoop } from "./request-loop.js";

export const polling: Scenario = async (context) => {
  const { impl, ports } = context.job;
  if (impl === "ws") throw new Error("the polling scenario needs an Engine.IO server, not raw ws");
  const count = param(context, "clients");
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const clients: SioPollingClient[] = [];
  try {
    for (let start = 0; start < count; start += 50) {
      const size = Math.min(50, count - start);
      const settled = await Promise.allSettled(
        Array.from({ length: size }, () => SioPollingClient.connect(agent, ports[0]!, HANDSHAKE_TIMEOUT_MS)),
      );
      for (const outcome of settled) if (outcome.status === "fulfilled") clients.push(outcome.value);
      const failure = settled.find((outcome) => outcome.status === "rejected");
      if (failure) throw (failure as PromiseRejectedResult).reason;
    }
    const payload = { n: 42, text: "hello over long-polling" };
    const workers = clients.map((client) => (done: () => void) => client.emitWithAck("echo", payload, done));
    return { clients: clients.length, ...(await measureRequestLoop(context, workers, param(context, "warmupMs"))) };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    agent.destroy();
  }
};
