// The contract between the server process and one implementation module.
import type { ConnectionCounter } from "./handlers.js";

export interface RunningImpl {
  /** port on 127.0.0.1 the implementation listens on */
  port: number;
  close(): Promise<void>;
}

export interface ImplOptions {
  counter: ConnectionCounter;
  /** URL of a Redis server: when set, the implementation uses its Redis adapter (cross-node scenario) */
  redisUrl?: string;
}

export type ImplFactory = (options: ImplOptions) => Promise<RunningImpl>;
