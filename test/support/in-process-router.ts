// Session routers for tests: several engines in one process, joined by a hub instead of IPC or
// Redis. Each router implements Sockline's `SessionRouter` seam (structurally: this module depends
// on npm packages only); a forwarded poll is copied as a router would serialize it, an upgrade is
// either handed over (`upgrades: "pass"`, as the cluster router passes the socket) or completed here
// with its frames relayed to the owner (`upgrades: "relay"`, as the Redis router does).
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

export interface TestForwardedPoll {
  sid: string;
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  remoteAddress: string;
}
export interface TestForwardedAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}
export interface TestForwardedUpgrade {
  sid: string;
  url: string;
  headers: Record<string, string | string[]>;
  remoteAddress: string;
  responseHeaders?: Record<string, string | string[]>;
}
export interface TestRelayedWebSocket {
  send(frame: string | Buffer): void;
  close(): void;
  onFrame(listener: (frame: string | Buffer) => void): void;
  onClose(listener: () => void): void;
}
export interface TestRoutedNode {
  servePoll(poll: TestForwardedPoll, abandoned?: AbortSignal): Promise<TestForwardedAnswer>;
  adoptUpgrade(upgrade: TestForwardedUpgrade, socket: Duplex, head: Buffer): void;
  acceptRelayedUpgrade(upgrade: TestForwardedUpgrade, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | undefined>;
  adoptRelayedWebSocket(sid: string, link: TestRelayedWebSocket): boolean;
}

export interface InProcessRouterOptions {
  /** How upgrades reach the owner. Default "pass". */
  upgrades?: "pass" | "relay";
  /** Forwarded polls to this router's node are never answered (a hung node). */
  unresponsive?: boolean;
}

/** What a router of the hub did, for the tests' assertions. */
export interface RoutingCounts {
  /** Polls this node forwarded to another. */
  polls: number;
  /** Upgrades this node forwarded to another. */
  upgrades: number;
  /** Polls other nodes forwarded to this one. */
  served: number;
}

/** The nodes of one test, by id. */
export class InProcessRouterHub {
  readonly routers = new Map<string, InProcessRouter>();

  router(nodeId: string, options: InProcessRouterOptions = {}): InProcessRouter {
    if (this.routers.has(nodeId)) throw new Error(`node ${nodeId} already in the hub`);
    const router = new InProcessRouter(this, nodeId, options);
    this.routers.set(nodeId, router);
    return router;
  }

  /** The node is gone: forwards to it fail at once, as the cluster primary answers for a dead worker. */
  remove(nodeId: string): void {
    this.routers.delete(nodeId);
  }
}

export class InProcessRouter {
  node: TestRoutedNode | undefined;
  readonly counts: RoutingCounts = { polls: 0, upgrades: 0, served: 0 };
  /** Abort signals of the polls this node serves, for the tests that check abandonment. */
  readonly servedSignals: AbortSignal[] = [];

  constructor(
    private readonly hub: InProcessRouterHub,
    readonly nodeId: string,
    private readonly options: InProcessRouterOptions,
  ) {}

  bind(node: TestRoutedNode): void {
    if (this.node !== undefined) throw new Error(`router of node ${this.nodeId} bound twice`);
    this.node = node;
  }

  newSessionId(base: string): string {
    return `${this.nodeId}.${base}`;
  }

  ownerOf(sid: string): string | undefined {
    const at = sid.indexOf(".");
    return at > 0 ? sid.slice(0, at) : undefined;
  }

  async forwardPoll(owner: string, poll: TestForwardedPoll, abandoned?: AbortSignal): Promise<TestForwardedAnswer> {
    this.counts.polls++;
    const target = this.hub.routers.get(owner);
    if (target?.node === undefined) throw new Error(`node ${owner} is gone`);
    target.counts.served++;
    if (abandoned !== undefined) target.servedSignals.push(abandoned);
    if (target.options.unresponsive) return new Promise<TestForwardedAnswer>(() => {});
    // what crosses a process boundary: copies, never the forwarder's objects
    const copy: TestForwardedPoll = { ...poll, headers: { ...poll.headers }, body: Buffer.from(poll.body) };
    const answer = await target.node.servePoll(copy, abandoned);
    return { status: answer.status, headers: { ...answer.headers }, body: Buffer.from(answer.body) };
  }

  forwardUpgrade(owner: string, upgrade: TestForwardedUpgrade, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.counts.upgrades++;
    const target = this.hub.routers.get(owner);
    const node = target?.node;
    if (node === undefined) {
      socket.destroy();
      return;
    }
    if ((this.options.upgrades ?? "pass") === "pass") {
      node.adoptUpgrade(structuredClone(upgrade), socket, Buffer.from(head));
      return;
    }
    void this.node!.acceptRelayedUpgrade(upgrade, req, socket, head).then((ws) => {
      if (ws === undefined) return;
      if (!node.adoptRelayedWebSocket(upgrade.sid, relayOver(ws))) ws.close();
    });
  }

  async close(): Promise<void> {
    this.hub.remove(this.nodeId);
  }
}

/** The owner's view of a WebSocket held here (same process: the frames are handed over directly). */
function relayOver(ws: WebSocket): TestRelayedWebSocket {
  return {
    send: (frame) => ws.send(frame, { binary: typeof frame !== "string" }),
    close: () => ws.close(),
    onFrame: (listener) => ws.on("message", (data: Buffer, isBinary: boolean) => listener(isBinary ? data : data.toString("utf8"))),
    onClose: (listener) => ws.on("close", listener),
  };
}
