/** Runs a Sockline node in a child process (fixtures/cluster-node.js) and drives it over IPC. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { NodeOptions } from "./nodes.js";

const SCRIPT = fileURLToPath(new URL("../fixtures/cluster-node.js", import.meta.url));

export class ChildNode {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: any): void; reject(error: Error): void }>();
  private exited: Promise<void>;
  port = 0;

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
    this.exited.then(() => {
      for (const entry of this.pending.values()) entry.reject(new Error(`${name} exited`));
      this.pending.clear();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: NodeOptions): Promise<ChildNode> {
    const child = fork(SCRIPT, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const node = new ChildNode(options.name, child);
    const { port } = await node.call<{ port: number }>("start", options);
    node.port = port;
    return node;
  }

  call<T = unknown>(cmd: string, args: unknown = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, args }, (error) => {
        if (error) {
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }

  /** Kills the process without any cleanup, like a crash. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.call("close").catch(() => {});
    this.child.disconnect();
    await this.exited;
  }
}
