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
