// The client side of the mounts' session routing tests (issue #18): a socket.io-client behind a
// round-robin proxy, every HTTP request on its own connection (so each may reach another node),
// exchanging acknowledged events both ways with a server that registered `routedEchoHandlers`.
import { connected, openClient } from "./clients.js";
import { waitUntil } from "./events.js";
import { InProcessRouterHub, type InProcessRouter, type InProcessRouterOptions } from "./in-process-router.js";
import { startRoundRobinProxy } from "./round-robin-proxy.js";

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

/**
 * The mounts' shared scenario: two apps ("a" and "b"), each started by `startApp` with its own router
 * of one in-process hub (it resolves with the app's port), behind a round-robin proxy without
 * affinity. A polling-only client, then an upgrading one, exchange acks both ways
 * (`exchangeAcrossNodes`); some polls must have crossed apps. Resolves with the two routers for
 * further checks. Closes the proxy; the caller closes its apps.
 */
export async function exchangeBetweenTwoApps(
  startApp: (router: InProcessRouter, index: number) => Promise<number>,
  routerOptions: InProcessRouterOptions = {},
): Promise<InProcessRouter[]> {
  const hub = new InProcessRouterHub();
  const routers: InProcessRouter[] = [];
  const ports: number[] = [];
  for (const [index, id] of ["a", "b"].entries()) {
    const router = hub.router(id, routerOptions);
    routers.push(router);
    ports.push(await startApp(router, index));
  }
  const proxy = await startRoundRobinProxy(ports);
  try {
    const polling = await exchangeAcrossNodes(proxy.url, ["polling"]);
    if (polling !== "polling") throw new Error(`a polling-only session ended on ${polling}`);
    const upgraded = await exchangeAcrossNodes(proxy.url, ["polling", "websocket"]);
    if (upgraded !== "websocket") throw new Error(`an upgrading session ended on ${upgraded}`);
    if (routers[0]!.counts.polls + routers[1]!.counts.polls === 0) throw new Error("no poll crossed apps");
  } finally {
    await proxy.close();
  }
  return routers;
}
