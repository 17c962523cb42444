/**
 * What the classic (Pub/Sub) and the Streams adapters do alike once a message is on or off the wire: bounding Redis
 * round trips, counting the other nodes, keeping broadcast-with-ack callbacks, answering and collecting
 * `serverSideEmit` acknowledgements. The two adapters differ only in how they encode and route messages.
 */
import type { ConnectionStateListener } from "./connection-monitor.js";
import { countSubscribers, type RedisConnection } from "./redis-client.js";

/** Context for timeout errors ("Redis is unreachable"), or undefined when there is none. */
export type OutageDescription = () => string | undefined;

/** Bounds a Redis round trip by `timeoutMs`, so an outage turns into an error naming `label` instead of a hang. */
export function withDeadline<T>(label: string, work: Promise<T>, timeoutMs: number, describeOutage: OutageDescription): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const outage = describeOutage();
      reject(
        new Error(`timeout reached while waiting for ${label}: no answer from Redis within ${timeoutMs} ms${outage ? ` (${outage})` : ""}`),
      );
    }, timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`${label} failed: Redis error: ${error.message}`, { cause: error }));
      },
    );
  });
}

/** Nodes in the cluster (this one included): the subscribers of `channel`, which every node listens on. */
export function countNodes(
  connection: RedisConnection,
  channel: string,
  timeoutMs: number,
  describeOutage: OutageDescription,
): Promise<number> {
  return withDeadline("serverCount", countSubscribers(connection, channel), timeoutMs, describeOutage);
}

/** Number of other nodes that will answer a request, for `label` in errors. */
export async function countOtherNodes(
  label: string,
  connection: RedisConnection,
  channel: string,
  timeoutMs: number,
  describeOutage: OutageDescription,
): Promise<number> {
  const count = await withDeadline(`${label} (counting nodes)`, countSubscribers(connection, channel), timeoutMs, describeOutage);
  return Math.max(0, count - 1);
}

export interface BroadcastAckCallbacks {
  clientCountCallback(clientCount: number): void;
  ack(...args: unknown[]): void;
}

/** The callbacks of the `broadcastWithAck` calls this node sent to the others, by request id. */
export class BroadcastAckRequests {
  private readonly pending = new Map<string, BroadcastAckCallbacks>();
  private readonly expiryTimers = new Set<NodeJS.Timeout>();

  /**
   * Acks keep trickling in until the caller's timeout; nothing tells us when every client answered, so the entry
   * simply expires with it.
   */
  add(requestId: string, callbacks: BroadcastAckCallbacks, timeoutMs: number): void {
    this.pending.set(requestId, callbacks);
    const timer = setTimeout(() => {
      this.pending.delete(requestId);
      this.expiryTimers.delete(timer);
    }, timeoutMs);
    this.expiryTimers.add(timer);
  }

  get(requestId: string): BroadcastAckCallbacks | undefined {
    return this.pending.get(requestId);
  }

  /** Forgets every request (adapter closing). */
  clear(): void {
    for (const timer of this.expiryTimers) clearTimeout(timer);
    this.expiryTimers.clear();
    this.pending.clear();
  }
}

/**
 * Hands a `serverSideEmit` from another node to this namespace's listeners. When the sender waits for answers, the
 * listeners get a reply function as last argument which, like an acknowledgement, sends at most one value.
 */
export function deliverServerSideEmit(
  nsp: { _onServerSideEmit(args: unknown[]): void },
  args: unknown[],
  sendReply: ((value: unknown) => void) | undefined,
): void {
  if (!sendReply) {
    nsp._onServerSideEmit(args);
    return;
  }
  let answered = false;
  const reply = (value: unknown) => {
    if (answered) return;
    answered = true;
    sendReply(value);
  };
  nsp._onServerSideEmit([...args, reply]);
}

export type ServerSideEmitAck = (error: Error | null, responses: unknown[]) => void;

/**
 * Runs a `serverSideEmit` that waits for answers: `gather` sends the request to the `others` nodes and pushes each
 * answer to `responses`. `ack` gets `(null, responses)` once every other node answered, or the error and the
 * responses received so far.
 */
export function collectServerSideResponses(
  ack: ServerSideEmitAck,
  countOthers: () => Promise<number>,
  gather: (others: number, responses: unknown[]) => Promise<unknown>,
): void {
  const responses: unknown[] = [];
  countOthers()
    .then((others) => (others === 0 ? undefined : gather(others, responses)))
    .then(
      () => ack(null, responses),
      (error: Error) => ack(error, responses),
    );
}

/**
 * How an adapter follows its Redis connection: an outage becomes an 'error' event for those who listen (emitting
 * 'error' without a listener would throw and kill the process), a recovery is logged.
 */
export function outageListener(
  adapter: {
    readonly uid: string;
    readonly nsp: { name: string };
    listenerCount(event: string): number;
    emit(event: string, ...args: unknown[]): unknown;
  },
  log: (format: string, ...args: unknown[]) => void,
): ConnectionStateListener {
  return {
    onRedisDown(error) {
      if (adapter.listenerCount("error") > 0) adapter.emit("error", error);
    },
    onRedisRestored() {
      log("[%s] namespace %s is connected to the cluster again", adapter.uid, adapter.nsp.name);
    },
  };
}
