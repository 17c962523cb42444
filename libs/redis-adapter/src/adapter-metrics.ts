/**
 * The figures a Redis adapter reports in `io.metrics()` (under `adapters`, by namespace) and so in
 * the Prometheus export: cluster requests sent, those that timed out, those still waiting, and
 * whether Redis is reachable now. Read off state the adapter keeps anyway: nothing is added to its
 * hot paths.
 */
import type { ConnectionMonitor } from "./connection-monitor.js";
import type { PendingRequests } from "./pending-requests.js";

export interface RedisAdapterMetrics {
  /** Requests sent to the other nodes (fetchSockets, serverSideEmit with ack, allRooms...). */
  readonly requests: number;
  /**
   * Requests that failed: not every answer within `requestsTimeout` (a node gone), or the count of
   * the nodes to ask failed first (Redis unreachable, or too slow).
   */
  readonly timeouts: number;
  /** Requests waiting for answers now. */
  readonly pendingRequests: number;
  /** False during a Redis outage (from the connection monitor: some connection lost and not ready again). */
  readonly reachable: boolean;
}

/** `nodeCount`, counting its failure as a failed request (the request itself is then never sent). */
export function countingFailures(requests: PendingRequests<unknown>, nodeCount: Promise<number>): Promise<number> {
  return nodeCount.catch((error: unknown) => {
    requests.timedOut++;
    throw error;
  });
}

export function redisAdapterMetrics(requests: PendingRequests<unknown>, monitor: ConnectionMonitor): RedisAdapterMetrics {
  return { requests: requests.opened, timeouts: requests.timedOut, pendingRequests: requests.size, reachable: !monitor.isDown };
}
