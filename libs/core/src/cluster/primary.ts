/**
 * `setupPrimary()`: the cluster primary's part of session routing. Workers cannot talk to each other
 * directly, so the primary relays their routing messages (and the sockets of passed upgrades) from
 * one worker to another. It stamps the sender on each message (a worker cannot pretend to be
 * another), keeps the polls in flight (bounded) and, when a worker dies, answers at once for it:
 * polls waiting for it fail ("Session ID unknown" for their clients), its upgrades are refused.
 */
import cluster, { type Worker } from "node:cluster";
import { Socket as NetSocket } from "node:net";
import createDebug from "debug";
import { Diagnostics } from "../engine/diagnostics.js";
import { checkMessage, isRoutingMessage, ROUTING_TAG, ROUTING_VERSION, type RoutingMessage } from "./messages.js";
import { stopReading, workerNodeId } from "./router.js";

const debug = createDebug("sockline:cluster:primary");

export interface ClusterPrimaryOptions {
  /** Most forwarded polls in flight between workers at once; more are answered "unreachable" at once. Default 100000. */
  maxPending?: number;
}

export interface ClusterPrimary {
  /** What the primary refused (invalid messages, its bound, polls for a dead worker). */
  readonly diagnostics: Diagnostics;
  /** Polls relayed and not answered yet. */
  readonly pendingCount: number;
  /** Stops relaying (listeners removed). */
  close(): void;
}

/** The HTTP answer of an upgrade whose owner is gone: the client's next try opens a new session. */
const UNKNOWN_SID_UPGRADE_ANSWER = (() => {
  const body = JSON.stringify({ code: 1, message: "Session ID unknown" });
  return `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
})();

/** Relays the session routing traffic of this primary's workers. Call once, in the primary. */
export function setupPrimary(options: ClusterPrimaryOptions = {}): ClusterPrimary {
  if (!cluster.isPrimary) throw new TypeError("setupPrimary() runs in the cluster primary (workers use clusterRouter())");
  const maxPending = options.maxPending ?? 100_000;
  if (!(maxPending > 0)) throw new TypeError(`setupPrimary(): maxPending must be a positive number, got ${String(options.maxPending)}`);
  const diagnostics = new Diagnostics();
  /** Polls in flight: `<from>/<id>` to the owner's node id. */
  const pending = new Map<string, string>();

  const workerOf = (nodeId: string | undefined): Worker | undefined => {
    const match = nodeId === undefined ? null : /^w([0-9]{1,15})$/.exec(nodeId);
    const worker = match === null ? undefined : cluster.workers?.[Number(match[1])];
    return worker?.isConnected() && !worker.isDead() ? worker : undefined;
  };
  /** Relays `message` (and `handle`) to `worker`; false if it cannot be sent now. A passed socket that fails to go is destroyed. */
  const send = (worker: Worker | undefined, message: RoutingMessage, handle?: NetSocket): boolean => {
    if (worker === undefined) return false;
    try {
      worker.send(message, handle as never, (error: Error | null) => {
        if (!error) return;
        debug("relay to worker %d failed: %s", worker.id, error.message);
        handle?.destroy();
      });
      return true;
    } catch (error) {
      debug("relay to worker %d failed: %s", worker.id, error);
      return false;
    }
  };
  const unreachable = (to: Worker | undefined, id: number, reason: string) =>
    send(to, { [ROUTING_TAG]: ROUTING_VERSION, type: "unreachable", id, reason });

  const onMessage = (sender: Worker, message: unknown, handle: unknown): void => {
    if (!isRoutingMessage(message)) return;
    const from = workerNodeId(sender.id);
    const invalid = checkMessage(message);
    if (invalid !== undefined) {
      diagnostics.report({
        kind: "violation",
        name: "invalid-ipc-message",
        message: `session routing message from worker ${sender.id} refused: ${invalid}`,
        action: "message dropped",
      });
      if (handle instanceof NetSocket) handle.destroy();
      return;
    }
    const routed = message as RoutingMessage;
    switch (routed.type) {
      case "poll": {
        const key = `${from}/${routed.id}`;
        if (pending.size >= maxPending) {
          diagnostics.report({
            kind: "limit",
            name: "maxPending",
            message: `${pending.size} forwarded polls in flight between workers (setupPrimary maxPending ${maxPending})`,
            action: "poll refused",
            sid: routed.poll.sid,
            value: pending.size,
            limit: maxPending,
          });
          return void unreachable(sender, routed.id, "too many polls in flight");
        }
        const owner = workerOf(routed.to);
        if (owner === undefined) return void unreachable(sender, routed.id, `node ${routed.to ?? "?"} is gone`);
        pending.set(key, routed.to!);
        if (!send(owner, { ...routed, to: undefined, from })) {
          pending.delete(key);
          unreachable(sender, routed.id, `node ${routed.to ?? "?"} is gone`);
        }
        return;
      }
      case "answer": {
        // an answer goes back to the forwarder only if that poll is still in flight to this worker
        const key = `${routed.to ?? ""}/${routed.id}`;
        if (pending.get(key) !== from) return;
        pending.delete(key);
        send(workerOf(routed.to), { ...routed, to: undefined, from });
        return;
      }
      case "abandon": {
        const key = `${from}/${routed.id}`;
        if (pending.get(key) !== routed.to) return;
        pending.delete(key);
        send(workerOf(routed.to), { ...routed, to: undefined, from });
        return;
      }
      case "unreachable":
        return; // only the primary sends those
      case "upgrade": {
        if (!(handle instanceof NetSocket)) return;
        // Node started reading the socket it handed us: bytes read here before the owner has it would be lost
        stopReading(handle);
        const owner = workerOf(routed.to);
        if (owner === undefined || !send(owner, { ...routed, to: undefined, from }, handle)) {
          debug("upgrade of session %s for %s: the worker is gone", routed.upgrade.sid, routed.to);
          handle.on("error", () => handle.destroy());
          handle.end(UNKNOWN_SID_UPGRADE_ANSWER);
        }
        return;
      }
    }
  };

  const onExit = (worker: Worker): void => {
    const dead = workerNodeId(worker.id);
    for (const [key, to] of pending) {
      const slash = key.indexOf("/");
      const from = key.slice(0, slash);
      const id = Number(key.slice(slash + 1));
      if (to === dead) {
        pending.delete(key);
        unreachable(workerOf(from), id, `node ${dead} exited`);
      } else if (from === dead) {
        pending.delete(key);
        send(workerOf(to), { [ROUTING_TAG]: ROUTING_VERSION, type: "abandon", id, from });
      }
    }
  };

  cluster.on("message", onMessage);
  cluster.on("exit", onExit);
  return {
    diagnostics,
    get pendingCount() {
      return pending.size;
    },
    close() {
      cluster.removeListener("message", onMessage);
      cluster.removeListener("exit", onExit);
      pending.clear();
    },
  };
}
