// The process of the cluster routing e2e test (cluster-routing.test.ts): forked by the test, it is
// a `node:cluster` primary running Sockline's `setupPrimary()` and `@socket.io/cluster-adapter`'s,
// with WORKERS workers that share one port with Node's default round-robin scheduling and no
// sticky module. Each worker runs a Socket.IO server with `clusterRouter()` and the cluster adapter.
// The test talks to the primary over IPC: "ready" (the port, the workers' node ids), "kill" a
// worker, and reports of every "Session ID unknown" and diagnostic the workers see.
import cluster from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter, setupPrimary as setupAdapterPrimary } from "@socket.io/cluster-adapter";
import { Server } from "@sockline/core";
import { clusterRouter, setupPrimary, workerNodeId } from "@sockline/core/cluster";

/** From the test to the primary. */
export type ClusterCommand = { type: "kill"; node: string } | { type: "hostile"; node: string };
/** From the primary (or a worker, through it) to the test. */
export type ClusterReport =
  | { type: "ready"; port: number; nodes: string[] }
  | { type: "killed"; node: string }
  | { type: "hostile-sent"; node: string; count: number }
  | { type: "unknown-sid"; node: string; url: string }
  | { type: "diagnostic"; node: string; kind: string; name: string; message: string };

const TEST_TAG = "$cluster-test";

if (cluster.isPrimary) runPrimary();
else runWorker();

function runPrimary(): void {
  const workers = Number(process.env.WORKERS ?? 4);
  const routing = setupPrimary();
  setupAdapterPrimary();
  const report = (r: ClusterReport) => process.send?.(r);
  routing.diagnostics.on("diagnostic", (d) =>
    report({ type: "diagnostic", node: "primary", kind: d.kind, name: d.name, message: d.message }),
  );
  cluster.on("message", (_worker, message: { [TEST_TAG]?: ClusterReport }) => {
    if (message?.[TEST_TAG]) report(message[TEST_TAG]);
  });
  let listening = 0;
  let port = 0;
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork();
    worker.once("listening", (address: AddressInfo) => {
      port = address.port;
      if (++listening === workers) report({ type: "ready", port, nodes: Object.values(cluster.workers!).map((w) => workerNodeId(w!.id)) });
    });
  }
  process.on("message", (command: ClusterCommand) => {
    const worker = Object.values(cluster.workers!).find((w) => w !== undefined && workerNodeId(w.id) === command.node);
    if (!worker) return;
    if (command.type === "hostile") return void worker.send({ [TEST_TAG]: command });
    worker.once("exit", () => report({ type: "killed", node: command.node }));
    worker.process.kill("SIGKILL");
  });
  // the test closes the IPC channel (or dies): take the workers along. SIGTERM, so that they exit
  // normally (and write their coverage when the suite runs under c8); SIGKILL if one does not go.
  process.on("disconnect", () => {
    const workers = Object.values(cluster.workers!).filter((w) => w !== undefined);
    if (workers.length === 0) process.exit(0);
    let left = workers.length;
    for (const worker of workers) {
      worker.once("exit", () => {
        if (--left === 0) process.exit(0);
      });
      worker.process.kill("SIGTERM");
    }
    setTimeout(() => {
      for (const worker of workers) worker.process.kill("SIGKILL");
      process.exit(0);
    }, 5_000).unref();
  });
}

function runWorker(): void {
  process.on("SIGTERM", () => process.exit(0));
  const router = clusterRouter();
  const node = router.nodeId;
  const report = (r: ClusterReport) => process.send?.({ [TEST_TAG]: r });
  process.on("message", (message: { [TEST_TAG]?: ClusterCommand }) => {
    if (message?.[TEST_TAG]?.type === "hostile") report({ type: "hostile-sent", node, count: sendHostileRoutingMessages() });
  });
  const http = createServer();
  const io = new Server(http, {
    sessionRouter: router,
    adapter: createAdapter(),
    // short heartbeats, so that a test of seconds sees many pings and pongs cross the workers
    ...(process.env.PING_INTERVAL
      ? { pingInterval: Number(process.env.PING_INTERVAL), pingTimeout: Number(process.env.PING_TIMEOUT ?? 20_000) }
      : {}),
  });
  io.diagnostics.on("diagnostic", (d) => report({ type: "diagnostic", node, kind: d.kind, name: d.name, message: d.message }));
  io.engine.on("connection_error", (error: { code: number; req: { url?: string } }) => {
    if (error.code === 1) report({ type: "unknown-sid", node, url: error.req.url ?? "" });
  });
  io.on("connection", (socket) => {
    socket.emit("hello", node);
    socket.on("join", (room: string, ack: (node: string) => void) => {
      void socket.join(room);
      ack(node);
    });
    socket.on("echo", (n: number, ack: (n: number) => void) => ack(n));
    // an ack in the other direction: the server asks the client, then answers the client's ack
    socket.on("ask", async (n: number, ack: (answer: unknown) => void) => {
      try {
        ack(await socket.timeout(20_000).emitWithAck("question", n));
      } catch (error) {
        ack({ error: String(error) });
      }
    });
    socket.on("say", (room: string, from: string, n: number) => {
      socket.to(room).emit("said", from, n);
    });
  });
  // listen(0) in a cluster worker: every worker gets the same port, chosen by the primary
  http.listen(0, "127.0.0.1");
}

/**
 * What a broken (or compromised) worker could send the primary on the routing channel: each must be
 * refused (reported) or ignored by the primary, and cost nothing else. Returns how many were sent.
 */
function sendHostileRoutingMessages(): number {
  const TAG = "$sockline:route"; // the wire format's marker (cluster/messages.ts)
  const poll = {
    sid: "w1.x",
    method: "GET",
    url: "/socket.io/?EIO=4&transport=polling&sid=w1.x",
    headers: {},
    body: "",
    remoteAddress: "",
  };
  const messages: unknown[] = [
    // refused, with a diagnostic each
    { [TAG]: 2, type: "poll", id: 1, to: "w1", poll },
    { [TAG]: 1, type: "steal", id: 1, to: "w1" },
    { [TAG]: 1, type: "poll", id: -5, to: "w1", poll },
    { [TAG]: 1, type: "poll", id: 2, to: "w1", poll: { ...poll, method: "DELETE" } },
    {
      [TAG]: 1,
      type: "poll",
      id: 3,
      to: "w1",
      poll: { ...poll, headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-${i}`, "1"])) },
    },
    { [TAG]: 1, type: "answer", id: 4, to: "w1", answer: { status: 99, headers: {}, body: "" } },
    // ignored: an answer for a poll never relayed to this worker, an "unreachable" only the primary may send,
    // an upgrade without its socket, a poll for a node that does not exist (answered "unreachable" to the sender)
    { [TAG]: 1, type: "answer", id: 5, to: "w1", answer: { status: 200, headers: {}, body: "" } },
    { [TAG]: 1, type: "unreachable", id: 6, reason: "forged" },
    { [TAG]: 1, type: "upgrade", to: "w1", head: "", upgrade: { sid: "w1.x", url: "/", headers: {}, remoteAddress: "" } },
    { [TAG]: 1, type: "poll", id: 7, to: "w999", poll },
  ];
  for (const message of messages) process.send?.(message);
  return messages.length;
}
