/**
 * One timer per server for the heartbeat of all its sessions, instead of two
 * timers per session.
 *
 * Every session waits either to be pinged (deadline = last pong + pingInterval)
 * or for a pong (deadline = ping + pingTimeout); a protocol 3 session, whose client
 * pings, waits for the client's next ping (deadline = last ping + pingInterval +
 * pingTimeout, as the reference). Each duration is the same for every session of a
 * server, so appending to the tail of each queue keeps it sorted by deadline: the queues are intrusive doubly linked lists (the links
 * live on the session), giving O(1) insert/remove and no allocation per beat.
 */

export interface HeartbeatEntry {
  /** @internal */ hbPrev: HeartbeatEntry | null;
  /** @internal */ hbNext: HeartbeatEntry | null;
  /** @internal */ hbQueue: HeartbeatQueue | null;
  /** @internal */ hbDeadline: number;
}

export class HeartbeatQueue {
  head: HeartbeatEntry | null = null;
  tail: HeartbeatEntry | null = null;

  constructor(readonly delay: number) {}

  push(entry: HeartbeatEntry, now: number): void {
    entry.hbDeadline = now + this.delay;
    entry.hbQueue = this;
    entry.hbPrev = this.tail;
    entry.hbNext = null;
    if (this.tail) this.tail.hbNext = entry;
    else this.head = entry;
    this.tail = entry;
  }

  remove(entry: HeartbeatEntry): void {
    if (entry.hbQueue !== this) return;
    if (entry.hbPrev) entry.hbPrev.hbNext = entry.hbNext;
    else this.head = entry.hbNext;
    if (entry.hbNext) entry.hbNext.hbPrev = entry.hbPrev;
    else this.tail = entry.hbPrev;
    entry.hbPrev = entry.hbNext = null;
    entry.hbQueue = null;
  }
}

export interface HeartbeatHandlers<T extends HeartbeatEntry> {
  /** Called when it is time to ping `entry`. */
  ping(entry: T): void;
  /** Called when `entry` did not answer the ping in time. */
  timeout(entry: T): void;
}

export class HeartbeatScheduler<T extends HeartbeatEntry> {
  private readonly toPing: HeartbeatQueue;
  private readonly toPong: HeartbeatQueue;
  /** Protocol 3 sessions waiting for their client's ping. */
  private readonly toClientPing: HeartbeatQueue;
  private timer: NodeJS.Timeout | null = null;
  private timerDeadline = Infinity;

  constructor(
    pingInterval: number,
    pingTimeout: number,
    private readonly handlers: HeartbeatHandlers<T>,
  ) {
    this.toPing = new HeartbeatQueue(pingInterval);
    this.toPong = new HeartbeatQueue(pingTimeout);
    this.toClientPing = new HeartbeatQueue(pingInterval + pingTimeout);
  }

  /** (Re)starts the wait before the next ping of `entry`. */
  schedulePing(entry: T): void {
    entry.hbQueue?.remove(entry);
    this.toPing.push(entry, performance.now());
    this.arm();
  }

  /** Starts the wait for the pong of `entry` (just pinged). */
  expectPong(entry: T): void {
    entry.hbQueue?.remove(entry);
    this.toPong.push(entry, performance.now());
    this.arm();
  }

  /** (Re)starts the wait for the next ping of `entry`'s client (protocol 3: the client pings). */
  expectClientPing(entry: T): void {
    entry.hbQueue?.remove(entry);
    this.toClientPing.push(entry, performance.now());
    this.arm();
  }

  isWaitingForPong(entry: T): boolean {
    return entry.hbQueue === this.toPong;
  }

  remove(entry: T): void {
    entry.hbQueue?.remove(entry);
    // no session left: drop the timer so an idle engine does not keep the process alive
    if (!this.toPing.head && !this.toPong.head && !this.toClientPing.head && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.timerDeadline = Infinity;
    }
  }

  /** Stops the timer and forgets every entry. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDeadline = Infinity;
    for (const queue of [this.toPing, this.toPong, this.toClientPing]) {
      while (queue.head) queue.remove(queue.head);
    }
  }

  private nextDeadline(): number {
    return Math.min(
      this.toPing.head?.hbDeadline ?? Infinity,
      this.toPong.head?.hbDeadline ?? Infinity,
      this.toClientPing.head?.hbDeadline ?? Infinity,
    );
  }

  private arm(): void {
    const deadline = this.nextDeadline();
    if (deadline === Infinity) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.timerDeadline = Infinity;
      return;
    }
    // an armed timer that fires no later than needed is kept (a fire with nothing due just re-arms)
    if (this.timer && this.timerDeadline <= deadline) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.ceil(deadline - performance.now())));
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerDeadline = Infinity;
    const now = performance.now();
    // the deadline is inclusive: a timer may fire a fraction of a millisecond early
    while (this.toPong.head && this.toPong.head.hbDeadline <= now + 1) {
      const entry = this.toPong.head as T;
      this.toPong.remove(entry);
      this.handlers.timeout(entry);
    }
    while (this.toClientPing.head && this.toClientPing.head.hbDeadline <= now + 1) {
      const entry = this.toClientPing.head as T;
      this.toClientPing.remove(entry);
      this.handlers.timeout(entry);
    }
    while (this.toPing.head && this.toPing.head.hbDeadline <= now + 1) {
      const entry = this.toPing.head as T;
      this.toPing.remove(entry);
      this.handlers.ping(entry);
    }
    this.arm();
  };
}
