/**
 * The clients that have not joined a namespace yet, each with the time by which it must (the
 * server's `connectTimeout`). One timer for all of them instead of a `setTimeout` per connection:
 * with a single timeout value, arrival order is deadline order, so the Map's insertion order is a
 * ready-made queue and a fire only looks at the entries that are due.
 */
export interface ConnectDeadlineEntry {
  onConnectTimeout(): void;
}

export class ConnectDeadlines<T extends ConnectDeadlineEntry> {
  private readonly waiting = new Map<T, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly timeout: number) {}

  add(entry: T): void {
    this.waiting.set(entry, performance.now() + this.timeout);
    if (this.timer === null) this.timer = setTimeout(this.onTimer, this.timeout);
  }

  delete(entry: T): void {
    if (!this.waiting.delete(entry) || this.waiting.size > 0 || this.timer === null) return;
    // nobody waits any more: no timer left to keep the process alive
    clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    const now = performance.now();
    for (const [entry, deadline] of this.waiting) {
      // a timer may fire a fraction of a millisecond early: the deadline is inclusive
      if (deadline > now + 1) {
        this.timer = setTimeout(this.onTimer, Math.ceil(deadline - now));
        return;
      }
      this.waiting.delete(entry);
      entry.onConnectTimeout();
    }
  };
}
