/**
 * A minimal TCP load balancer for tests: forwards every connection to the current target port. `switchTo` changes
 * the target and cuts the open connections, like a node leaving the pool, so clients reconnect to another node.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export class SwitchProxy {
  private readonly open = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    private target: number,
  ) {}

  static async start(target: number): Promise<SwitchProxy> {
    const server = createServer();
    const proxy = new SwitchProxy(server, target);
    server.on("connection", (downstream) => proxy.forward(downstream));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private forward(downstream: Socket) {
    const upstream = createConnection({ host: "127.0.0.1", port: this.target });
    for (const socket of [downstream, upstream]) {
      this.open.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => this.open.delete(socket));
    }
    downstream.pipe(upstream).pipe(downstream);
    downstream.on("close", () => upstream.destroy());
    upstream.on("close", () => downstream.destroy());
  }

  /** New connections go to `target`; the current ones are cut. */
  switchTo(target: number): void {
    this.target = target;
    for (const socket of this.open) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
