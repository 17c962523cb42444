/**
 * `clusterRouter()`: session routing between the workers of Node's `cluster` module, over their IPC
 * channel with the primary (which runs `setupPrimary()`). Polls travel as messages; an upgrade
 * passes the raw TCP socket itself to the owner, so a WebSocket costs what it costs on one process
 * once it is open. See `docs/session-routing.md`.
 */
import cluster from "node:cluster";
import type { IncomingMessage } from "node:http";
import { Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import {
  ownerOfRoutedSessionId,
  routedSessionId,
  type ForwardedAnswer,
  type ForwardedPoll,
  type ForwardedUpgrade,
  type RoutedNode,
  type SessionRouter,
} from "../engine/session-routing.js";
import {
  checkMessage,
  fromWireAnswer,
  fromWirePoll,
  isRoutingMessage,
  ROUTING_TAG,
  ROUTING_VERSION,
  toWireAnswer,
  toWirePoll,
  type RoutingMessage,
  type WireAnswer,
  type WirePoll,
} from "./messages.js";

const debug = createDebug("sockline:cluster:router");

export interface ClusterRouterOptions {
  /**
   * Most polls this worker may have forwarded and still wait for, and (separately) most forwarded
   * polls it may serve at once for other workers. More: refused at once (the client gets 503 or
   * "Session ID unknown"). Default 10000.
   */
  maxPending?: number;
}

/** The IPC channel of a worker (`process` in a cluster worker). */
export interface WorkerChannel {
  send?(message: unknown, sendHandle?: unknown, options?: { keepOpen?: boolean }, callback?: (error: Error | null) => void): boolean;
  on(event: "message", listener: (message: unknown, handle: unknown) => void): unknown;
  removeListener(event: "message", listener: (message: unknown, handle: unknown) => void): unknown;
}

/**
 * Stops reading `socket` in this process before its descriptor is passed to another. Until the
 * receiver acknowledges it, this process keeps its copy of the descriptor open and, if it still
 * reads, takes the bytes the client sends meanwhile (Node then drops them: the handle's `onread` is
 * replaced when it is sent). The client's first WebSocket frame would be lost. Node's documentation
 * passes sockets created with `pauseOnConnect` for this reason; ours come from an HTTP server (and
 * in the primary from Node's own IPC), so reading is stopped on the handle itself.
 */
export function stopReading(socket: NetSocket): void {
  const handle = (socket as NetSocket & { _handle?: { readStop?: () => number; reading?: boolean } | null })._handle;
  if (handle?.readStop === undefined) return;
  handle.reading = false;
  handle.readStop();
}

/** The node id of cluster worker `id` (`cluster.worker.id`): what the primary routes by. */
export function workerNodeId(id: number): string {
  return `w${id}`;
}

/**
 * The session router of this cluster worker. Call it once per worker and pass it as the
 * `sessionRouter` option of the engine or Socket.IO `Server`; the primary must run `setupPrimary()`.
 */
export function clusterRouter(options: ClusterRouterOptions = {}): SessionRouter {
  const worker = cluster.worker;
  if (!cluster.isWorker || worker === undefined || typeof process.send !== "function") {
    throw new TypeError("clusterRouter() runs in a cluster worker (the primary runs setupPrimary())");
  }
  if (active !== undefined) {
    // the primary routes by worker: two routers in one worker would both take every message
    throw new Error("clusterRouter(): this worker already has a cluster router (one per worker: close() the other first)");
  }
  const router = new ClusterRouter(workerNodeId(worker.id), process as WorkerChannel, options);
  active = router;
  router.onClosed = () => {
    if (active === router) active = undefined;
  };
  return router;
}

/** The cluster router of this worker, while it is open. */
let active: ClusterRouter | undefined;

interface Waiting {
  resolve(answer: ForwardedAnswer): void;
  reject(error: Error): void;
}

export class ClusterRouter implements SessionRouter {
  private node: RoutedNode | undefined;
  private nextId = 1;
  /** Polls this worker forwarded, by id. */
  private readonly waiting = new Map<number, Waiting>();
  /** Polls this worker serves for others, by `<from>/<id>`: aborted when the forwarder gives up. */
  private readonly serving = new Map<string, AbortController>();
  private readonly maxPending: number;
  private closed = false;
  /** @internal Told when the router closes (the worker may then create another). */
  onClosed: (() => void) | undefined;

  constructor(
    readonly nodeId: string,
    private readonly channel: WorkerChannel,
    options: ClusterRouterOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 10_000;
    if (!(this.maxPending > 0))
      throw new TypeError(`clusterRouter(): maxPending must be a positive number, got ${String(options.maxPending)}`);
    channel.on("message", this.onMessage);
  }

  bind(node: RoutedNode): void {
    if (this.node !== undefined) throw new Error(`cluster router of ${this.nodeId} is already bound to an engine (one router per engine)`);
    this.node = node;
  }

  newSessionId(base: string): string {
    return routedSessionId(this.nodeId, base);
  }

  ownerOf(sid: string): string | undefined {
    return ownerOfRoutedSessionId(sid);
  }

  forwardPoll(owner: string, poll: ForwardedPoll, abandoned?: AbortSignal): Promise<ForwardedAnswer> {
    if (this.closed) return Promise.reject(new Error("cluster router closed"));
    if (this.waiting.size >= this.maxPending) {
      this.report(
        "limit",
        "maxPending",
        `${this.waiting.size} forwarded polls already wait (cluster router maxPending ${this.maxPending})`,
        {
          value: this.waiting.size,
          limit: this.maxPending,
          sid: poll.sid,
        },
      );
      return Promise.reject(new Error(`cluster router: ${this.waiting.size} polls already wait (maxPending ${this.maxPending})`));
    }
    const id = this.nextId++;
    return new Promise<ForwardedAnswer>((resolve, reject) => {
      const onAbandoned = () => {
        if (!this.waiting.delete(id)) return;
        this.send({ [ROUTING_TAG]: ROUTING_VERSION, type: "abandon", id, to: owner });
        reject(new Error("abandoned"));
      };
      this.waiting.set(id, {
        resolve: (answer) => {
          abandoned?.removeEventListener("abort", onAbandoned);
          resolve(answer);
        },
        reject: (error) => {
          abandoned?.removeEventListener("abort", onAbandoned);
          reject(error);
        },
      });
      abandoned?.addEventListener("abort", onAbandoned, { once: true });
      this.send({ [ROUTING_TAG]: ROUTING_VERSION, type: "poll", id, to: owner, poll: toWirePoll(poll) }, (error) =>
        this.settle(id, new Error(`IPC to the primary failed: ${error.message}`)),
      );
    });
  }

  forwardUpgrade(owner: string, upgrade: ForwardedUpgrade, _req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // only a plain TCP socket can change process: a TLS one's state stays here (terminate TLS before the cluster)
    if (!(socket instanceof NetSocket) || (socket as NetSocket & { encrypted?: boolean }).encrypted === true || this.closed) {
      this.report(
        "routing",
        "upgrade-not-passable",
        `upgrade of session ${upgrade.sid} cannot be passed to ${owner}: not a plain TCP socket`,
        {
          sid: upgrade.sid,
        },
      );
      socket.destroy();
      return;
    }
    const message: RoutingMessage = { [ROUTING_TAG]: ROUTING_VERSION, type: "upgrade", to: owner, upgrade, head: head.toString("base64") };
    stopReading(socket);
    debug("upgrade of session %s passed to %s", upgrade.sid, owner);
    try {
      this.channel.send!(message, socket, { keepOpen: false }, (error) => {
        if (error) {
          debug("passing the upgrade of session %s failed: %s", upgrade.sid, error.message);
          socket.destroy();
        }
      });
    } catch (error) {
      debug("passing the upgrade of session %s failed: %s", upgrade.sid, error);
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClosed?.();
    this.channel.removeListener("message", this.onMessage);
    for (const id of [...this.waiting.keys()]) this.settle(id, new Error("cluster router closed"));
    for (const controller of this.serving.values()) controller.abort();
    this.serving.clear();
  }

  private readonly onMessage = (message: unknown, handle: unknown): void => {
    if (!isRoutingMessage(message)) return;
    const invalid = checkMessage(message);
    if (invalid !== undefined) {
      debug("invalid routing message: %s", invalid);
      this.report("violation", "invalid-ipc-message", `session routing message from the primary refused: ${invalid}`, {});
      if (handle instanceof NetSocket) handle.destroy();
      return;
    }
    const routed = message as RoutingMessage;
    switch (routed.type) {
      case "poll":
        return this.serve(routed.from ?? "", routed.id, routed.poll);
      case "answer":
        return this.settle(routed.id, fromWireAnswer(routed.answer));
      case "unreachable":
        return this.settle(routed.id, new Error(routed.reason));
      case "abandon":
        this.serving.get(`${routed.from ?? ""}/${routed.id}`)?.abort();
        return;
      case "upgrade":
        return this.adopt(routed.upgrade, Buffer.from(routed.head, "base64"), handle);
    }
  };

  private settle(id: number, outcome: ForwardedAnswer | Error): void {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    this.waiting.delete(id);
    if (outcome instanceof Error) waiting.reject(outcome);
    else waiting.resolve(outcome);
  }

  private serve(from: string, id: number, poll: WirePoll): void {
    const reply = (answer: WireAnswer) => this.send({ [ROUTING_TAG]: ROUTING_VERSION, type: "answer", id, to: from, answer });
    const node = this.node;
    if (node === undefined || this.closed) return void reply(emptyAnswer(503));
    if (this.serving.size >= this.maxPending) {
      this.report(
        "limit",
        "maxPending",
        `${this.serving.size} forwarded polls already served (cluster router maxPending ${this.maxPending})`,
        {
          value: this.serving.size,
          limit: this.maxPending,
          sid: poll.sid,
        },
      );
      return void reply(emptyAnswer(503));
    }
    const key = `${from}/${id}`;
    const controller = new AbortController();
    this.serving.set(key, controller);
    node.servePoll(fromWirePoll(poll), controller.signal).then(
      (answer) => {
        this.serving.delete(key);
        if (!controller.signal.aborted) reply(toWireAnswer(answer));
      },
      (error: unknown) => {
        // servePoll never rejects; if it did, the forwarder must not wait for its bound
        debug("serving a forwarded poll failed: %s", error);
        this.serving.delete(key);
        reply(emptyAnswer(500));
      },
    );
  }

  private adopt(upgrade: ForwardedUpgrade, head: Buffer, handle: unknown): void {
    if (!(handle instanceof NetSocket)) {
      this.report("violation", "invalid-ipc-message", `upgrade of session ${upgrade.sid} arrived without its socket`, { sid: upgrade.sid });
      return;
    }
    if (this.node === undefined || this.closed) {
      handle.destroy();
      return;
    }
    this.node.adoptUpgrade(upgrade, handle, head);
  }

  /** Sends to the primary; `onError` hears a failure (a closed channel is reported through the callback, never as an "error" event). */
  private send(message: RoutingMessage, onError?: (error: Error) => void): void {
    const failed = (error: Error) => {
      debug("IPC send of a %s message failed: %s", message.type, error.message);
      onError?.(error);
    };
    try {
      this.channel.send!(message, undefined, {}, (error) => {
        if (error) failed(error);
      });
    } catch (error) {
      failed(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private report(
    kind: "limit" | "violation" | "routing",
    name: string,
    message: string,
    extra: { sid?: string; value?: number; limit?: number },
  ): void {
    const diagnostics = this.node?.diagnostics;
    if (diagnostics === undefined) return void debug("%s %s: %s", kind, name, message);
    diagnostics.report({ kind, name, message: `${this.nodeId}: ${message}`, action: "refused", ...extra });
  }
}

function emptyAnswer(status: number): WireAnswer {
  return { status, headers: { "Content-Length": "0" }, body: "" };
}
