// The test's handle on one node process (no-sticky/redis-node.ts): start, ask, kill, stop, resume.
import { fileURLToPath } from "node:url";
import { ChildRpc, withTimeout } from "@sockline/e2e/support";
import type { RedisNodeOptions, RedisNodeStats } from "./redis-node.js";

const SCRIPT = fileURLToPath(new URL("./redis-node.js", import.meta.url));

export class NodeProcess {
  port = 0;
  nodeId = "";

  private constructor(private readonly rpc: ChildRpc) {}

  get name(): string {
    return this.rpc.name;
  }

  static async start(options: RedisNodeOptions): Promise<NodeProcess> {
    const node = new NodeProcess(ChildRpc.fork(SCRIPT, options.name));
    const { port, nodeId } = await node.call<{ port: number; nodeId: string }>("start", options);
    node.port = port;
    node.nodeId = nodeId;
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.rpc.alive;
  }

  call<T = unknown>(cmd: string, args: unknown = {}): Promise<T> {
    return withTimeout(this.rpc.call<T>(cmd, args), `${this.name} to answer ${cmd}`);
  }

  stats(): Promise<RedisNodeStats> {
    return this.call<RedisNodeStats>("stats");
  }

  /** A crash: no cleanup, no goodbye on Redis. */
  kill(): Promise<void> {
    return this.rpc.kill();
  }

  /** Freezes the process (it stays subscribed on Redis but answers nothing), or thaws it. */
  pause(): void {
    this.rpc.pause();
  }

  resume(): void {
    this.rpc.resume();
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    // a frozen node must run again to close
    this.resume();
    await this.rpc.close();
  }
}
