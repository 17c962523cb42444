// Load-generator process: receives one job from the runner, runs the scenario against the server
// ports it names, relays the scenario's measurement requests to the servers through the runner, and
// sends back one result. Never runs in the same process as a server.
import type { FromLoad, ServerCommand, ServerReplyData, ToLoad } from "../ipc.js";
import type { ScenarioContext } from "./context.js";
import { scenarios } from "./scenarios/index.js";

let nextRequestId = 0;
const pending = new Map<number, { resolve(data: ServerReplyData): void; reject(error: Error): void }>();

function send(message: FromLoad): void {
  process.send?.(message);
}

function fatal(error: unknown): void {
  const err = error as Error;
  send({ type: "fatal", error: `${err?.message ?? String(error)}\n${err?.stack ?? ""}` });
  setTimeout(() => process.exit(1), 50);
}

function server(node: number, command: ServerCommand): Promise<ServerReplyData> {
  const id = nextRequestId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ type: "server-request", id, node, command });
  });
}

process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);
process.on("disconnect", () => process.exit(0));
process.on("message", (message: ToLoad) => {
  if (message.type === "server-reply") {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`server: ${message.error}`));
    else waiter?.resolve(message.data!);
    return;
  }
  const scenario = scenarios[message.job.scenario];
  const context: ScenarioContext = { job: message.job, server };
  scenario(context).then((metrics) => {
    send({ type: "result", metrics });
    setTimeout(() => process.exit(0), 50);
  }, fatal);
});
