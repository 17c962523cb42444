/**
 * Runs an async refresh (compute a member list, then emit it) so that the last emission always
 * reflects the last change: refreshes of one key never overlap, and changes that arrive while one
 * runs are folded into a single follow-up run. Without this, two joins whose `fetchSockets` answers
 * come back in the other order (Redis adapter) could leave everyone with a stale member list.
 */
export class CoalescingRefresher<K> {
  private readonly running = new Map<K, { again: boolean; done: Promise<void> }>();

  constructor(
    private readonly refresh: (key: K) => Promise<void>,
    private readonly onError: (key: K, error: unknown) => void,
  ) {}

  /** Asks for a refresh of `key`; resolves once a refresh that started after this call has finished. */
  request(key: K): Promise<void> {
    const current = this.running.get(key);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      do {
        entry.again = false;
        try {
          await this.refresh(key);
        } catch (error) {
          this.onError(key, error);
        }
      } while (entry.again);
      this.running.delete(key);
    })();
    this.running.set(key, entry);
    return entry.done;
  }

  /** Resolves when no refresh is running (used when closing). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((e) => e.done));
  }
}
