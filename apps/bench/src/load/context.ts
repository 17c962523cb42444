// What a scenario gets from the load generator: its job and a handle on the server processes.
import type { CpuWindow, LoadJob, MemSnapshot, Metrics, ServerCommand, ServerReplyData, WaitResult } from "../ipc.js";

export interface ScenarioContext {
  job: LoadJob;
  /** send a measurement request to server node `node` (0 unless the scenario runs several nodes) */
  server(node: number, command: ServerCommand): Promise<ServerReplyData>;
}

export type Scenario = (context: ScenarioContext) => Promise<Metrics>;

export const HANDSHAKE_TIMEOUT_MS = 10_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function cpuWindow<T>(context: ScenarioContext, node: number, body: () => Promise<T>): Promise<[T, CpuWindow]> {
  await context.server(node, { cmd: "cpuStart" });
  const result = await body();
  const cpu = (await context.server(node, { cmd: "cpuStop" })) as CpuWindow;
  return [result, cpu];
}

export async function memSnapshot(context: ScenarioContext, node = 0): Promise<MemSnapshot> {
  return (await context.server(node, { cmd: "mem" })) as MemSnapshot;
}

export async function waitConnections(context: ScenarioContext, count: number, node = 0, timeoutMs = 30_000): Promise<WaitResult> {
  return (await context.server(node, { cmd: "waitConnections", count, timeoutMs })) as WaitResult;
}

/** Reads a scenario parameter, failing loudly when the runner forgot it. */
export function param(context: ScenarioContext, name: string): number {
  const value = context.job.params[name];
  if (value === undefined) throw new Error(`scenario ${context.job.scenario}: missing parameter "${name}"`);
  return value;
}
