// The client side of the mounts' session routing tests (issue #18): a socket.io-client behind a
// round-robin proxy, every HTTP request on its own connection (so each may reach another node),
// exchanging acknowledged events both ways with a server that registered `routedEchoHandlers`.
import { connected, openClient } from "./clients.js";
import { waitUntil } from "./events.js";

/** What the server side of the exchange does (register it on every node). */
export interface RoutedEchoSocket {
  conn: { transport: { name: string } };
  on(event: "echo", listener: (value: unknown, ack: (reply: unknown) => void) => void): unknown;
  on(event: "ask", listener: (value: number, ack: (reply: unknown) => void) => void): unknown;
  timeout(ms: number): { emitWithAck(event: "question", value: number): Promise<unknown> };
}

export function routedEchoHandlers(socket: RoutedEchoSocket): void {
  socket.on("echo", (value, ack) => ack({ echoed: value, transport: socket.conn.transport.name }));
  socket.on("ask", (value, ack) => {
    socket
      .timeout(10_000)
      .emitWithAck("question", value)
      .then(ack, (error: unknown) => ack({ error: String(error) }));
  });
}

/**
 * Connects to `url` with `transports`, exchanges `rounds` acknowledged events each way (in order),
 * and resolves with the transport the session ended on. Closes the client.
 */
export async function exchangeAcrossNodes(url: string, transports: ("polling" | "websocket")[], rounds = 10): Promise<string> {
  const client = openClient(url, { transports, agent: false } as Parameters<typeof openClient>[1]);
  try {
    client.on("question", (value: number, ack: (reply: number) => void) => ack(value * 2));
    await connected(client);
    if (transports.includes("websocket")) await waitUntil(() => client.io.engine.transport.name === "websocket", "the client to upgrade");
    for (let i = 0; i < rounds; i++) {
      const reply = (await client.timeout(10_000).emitWithAck("echo", i)) as { echoed: unknown };
      if (reply.echoed !== i) throw new Error(`echo ${i} answered ${JSON.stringify(reply)}`);
      const answer = await client.timeout(10_000).emitWithAck("ask", i);
      if (answer !== i * 2) throw new Error(`ask ${i} answered ${JSON.stringify(answer)}`);
    }
    return client.io.engine.transport.name;
  } finally {
    client.close();
  }
}
