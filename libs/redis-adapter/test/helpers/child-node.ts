/** Runs a Sockline node in a child process (fixtures/cluster-node.js) and drives it over IPC. */
import { fileURLToPath } from "node:url";
import { ChildRpc } from "@sockline/e2e/support";
import type { NodeOptions } from "./nodes.js";

const SCRIPT = fileURLToPath(new URL("../fixtures/cluster-node.js", import.meta.url));

export class ChildNode {
  port = 0;

  private constructor(private readonly rpc: ChildRpc) {}

  get name(): string {
    return this.rpc.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: NodeOptions): Promise<ChildNode> {
    const node = new ChildNode(ChildRpc.fork(SCRIPT, options.name));
    const { port } = await node.call<{ port: number }>("start", options);
    node.port = port;
    return node;
  }

  call<T = unknown>(cmd: string, args: unknown = {}): Promise<T> {
    return this.rpc.call<T>(cmd, args);
  }

  /** Kills the process without any cleanup, like a crash. */
  kill(): Promise<void> {
    return this.rpc.kill();
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
