// Messages exchanged over the IPC channels of the benchmark processes.
// The runner forks one server process and one load-generator process per measurement; the load
// generator drives the server's measurement hooks (CPU window, memory snapshots) through the runner,
// which relays its requests, so the three processes never need a side channel.

/** Names of the implementations under test. */
export type ImplName = "sockline" | "sockline-fastify" | "sockline-express" | "sockline-metrics" | "sockline-traced" | "socketio" | "ws";

/** Names of the scenarios. */
export type ScenarioName =
  | "echo"
  | "fanout"
  | "fanout-room"
  | "memory"
  | "connect"
  | "polling"
  | "binary"
  | "crossnode"
  | "slow-consumer"
  | "routed-polling"
  | "routed-ws"
  | "routed-polling-ipc"
  | "routed-ws-ipc";

/** Requests the load generator may send to the server (relayed by the runner). */
export type ServerCommand =
  | { cmd: "cpuStart" }
  | { cmd: "cpuStop" }
  | { cmd: "mem" }
  | { cmd: "waitConnections"; count: number; timeoutMs: number };

export interface CpuWindow {
  /** user + system CPU time of the server process during the window, in µs */
  cpuUs: number;
  wallMs: number;
}

export interface MemSnapshot {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  connections: number;
}

export interface WaitResult {
  connections: number;
  reached: boolean;
}

export type ServerReplyData = CpuWindow | MemSnapshot | WaitResult | { ok: true };

/** Runner -> server process. */
export type ToServer = { type: "request"; id: number; command: ServerCommand } | { type: "close" };

/** Server process -> runner. */
export type FromServer =
  | { type: "ready"; port: number /** every port, when one server process listens on several (cluster workers) */; ports?: number[] }
  | { type: "reply"; id: number; data?: ServerReplyData; error?: string }
  | { type: "fatal"; error: string };

/** What the load generator is asked to do. */
export interface LoadJob {
  scenario: ScenarioName;
  impl: ImplName;
  /** ports of the server processes (two for the cross-node scenario: [emitter node, receiver node]) */
  ports: number[];
  /** server processes behind `ports`, when fewer than the ports (a cluster primary with its workers' ports) */
  servers?: number;
  /** length of the measured window */
  durationMs: number;
  /** scenario-specific sizes (client counts, batch sizes, payload sizes) */
  params: Record<string, number>;
}

/** Runner -> load generator. */
export type ToLoad = { type: "job"; job: LoadJob } | { type: "server-reply"; id: number; data?: ServerReplyData; error?: string };

/** A measurement produced by the load generator: a flat record of named numbers. */
export type Metrics = Record<string, number>;

/** Load generator -> runner. */
export type FromLoad =
  | { type: "server-request"; id: number; node: number; command: ServerCommand }
  | { type: "result"; metrics: Metrics }
  | { type: "fatal"; error: string };
