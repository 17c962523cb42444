// The test's handle on one node process (no-sticky/redis-node.ts): start, ask, kill, stop, resume.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withTimeout } from "@sockline/e2e/support";
import type { RedisNodeOptions, RedisNodeStats } from "./redis-node.js";

const SCRIPT = fileURLToPath(new URL("./redis-node.js", import.meta.url));

export class NodeProcess {
  port = 0;
  nodeId = "";
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: any): void; reject(error: Error): void }>();
  readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) entry.reject(new Error(`${name}: ${message.error}`));
      else entry.resolve(message.result);
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => {
      for (const entry of this.pending.values()) entry.reject(new Error(`${name} exited`));
      this.pending.clear();
    });
  }

  static async start(options: RedisNodeOptions): Promise<NodeProcess> {
    const child = fork(SCRIPT, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const node = new NodeProcess(options.name, child);
    const { port, nodeId } = await node.call<{ port: number; nodeId: string }>("start", options);
    node.port = port;
    node.nodeId = nodeId;
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  call<T = unknown>(cmd: string, args: unknown = {}): Promise<T> {
    return withTimeout(
      new Promise<T>((resolve, reject) => {
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        this.child.send({ id, cmd, args }, (error) => {
          if (error) {
            this.pending.delete(id);
            reject(error);
          }
        });
      }),
      `${this.name} to answer ${cmd}`,
    );
  }

  stats(): Promise<RedisNodeStats> {
    return this.call<RedisNodeStats>("stats");
  }

  /** A crash: no cleanup, no goodbye on Redis. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** Freezes the process (it stays subscribed on Redis but answers nothing), or thaws it. */
  pause(): void {
    this.child.kill("SIGSTOP");
  }

  resume(): void {
    this.child.kill("SIGCONT");
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    this.resume();
    await this.call("close").catch(() => {});
    this.child.disconnect();
    await this.exited;
  }
}
