/**
 * Requests this node sent to the others and is waiting answers for. Each one expects a known number of responses
 * (the other nodes subscribed when it was sent) and always ends: complete, or rejected when its timer fires, so a node
 * that died or a Redis outage can never leave a caller waiting forever.
 */
export interface PendingRequest<R> {
  /** What the request is, for error messages (`"fetchSockets"`...). */
  readonly label: string;
  readonly expected: number;
  received: number;
  /** Takes one response; responses are counted by the tracker. */
  accept(response: R): void;
  complete(): void;
  fail(error: Error): void;
  timer: NodeJS.Timeout;
}

export class PendingRequests<R> {
  private readonly pending = new Map<string, PendingRequest<R>>();
  /** Requests opened so far, and those that timed out (the adapter's metrics). */
  opened = 0;
  timedOut = 0;

  has(requestId: string): boolean {
    return this.pending.has(requestId);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Track a request. `timeoutMs` starts now; `describeOutage` adds context (e.g. "Redis is unreachable") to the
   * timeout error when there is some.
   */
  open(
    requestId: string,
    request: Omit<PendingRequest<R>, "received" | "timer">,
    timeoutMs: number,
    describeOutage: () => string | undefined,
  ): void {
    const timer = setTimeout(() => {
      const entry = this.pending.get(requestId);
      if (!entry) return;
      this.pending.delete(requestId);
      this.timedOut++;
      const outage = describeOutage();
      entry.fail(
        new Error(
          `timeout reached while waiting for ${entry.label} responses: ${entry.received} of ${entry.expected} ` +
            `received within ${timeoutMs} ms${outage ? ` (${outage})` : ""}`,
        ),
      );
    }, timeoutMs);
    this.pending.set(requestId, { ...request, received: 0, timer });
    this.opened++;
  }

  /** Count one response; completes the request when all expected responses are in. Unknown ids are ignored. */
  deliver(requestId: string, response: R): void {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    entry.received++;
    entry.accept(response);
    if (entry.received >= entry.expected) {
      clearTimeout(entry.timer);
      this.pending.delete(requestId);
      entry.complete();
    }
  }

  /** Reject everything still pending (adapter closing). */
  rejectAll(reason: string): void {
    for (const [requestId, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(requestId);
      entry.fail(new Error(`${entry.label} aborted: ${reason}`));
    }
  }
}
