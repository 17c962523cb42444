/** Why a forwarded request failed, and what the router counts. */

export type ForwardFailure = "owner-gone" | "timeout" | "abandoned" | "overloaded" | "too-large" | "refused" | "closed" | "redis";

/** Why a forwarded request got no answer from the owner. */
export class ForwardError extends Error {
  constructor(
    readonly reason: ForwardFailure,
    message: string,
  ) {
    super(message);
    this.name = "ForwardError";
  }
}

/** Counters since the start (cumulative), and what is open now. */
export interface RouterStats {
  /** Polls this node forwarded to owners, and how many of them got the owner's answer. */
  forwardedPolls: number;
  answeredPolls: number;
  /** Forwards (polls and upgrades) that failed, by reason. */
  failedForwards: Partial<Record<ForwardFailure, number>>;
  /** Polls other nodes forwarded here. */
  servedPolls: number;
  /** WebSockets this node accepted for other nodes' sessions (edge) and relayed WebSockets of its own sessions (owner). */
  relayedAsEdge: number;
  relayedAsOwner: number;
  framesSent: number;
  framesReceived: number;
  /** Messages from Redis dropped as invalid or oversized. */
  droppedMessages: number;
  pendingRequests: number;
  openLinks: number;
}

/** The cumulative part of `RouterStats`: what the transport counts as it goes. */
export type RouterCounters = Omit<RouterStats, "pendingRequests" | "openLinks">;

/** The counters of a router that has done nothing yet (a new transport's, and a router's before it is `ready`). */
export function zeroRouterCounters(): RouterCounters {
  return {
    forwardedPolls: 0,
    answeredPolls: 0,
    failedForwards: {},
    servedPolls: 0,
    relayedAsEdge: 0,
    relayedAsOwner: 0,
    framesSent: 0,
    framesReceived: 0,
    droppedMessages: 0,
  };
}
