/**
 * Which tick a transport last wrote in, without a callback per write.
 *
 * The reference engine marks its WebSocket transport not writable from a send until that send's
 * callback runs, which is at the earliest on the next `process.nextTick` turn (Node defers a
 * write's callback even when the kernel took the bytes at once). `volatile` packets sent in
 * between are dropped. Sockline gets the same answer with one process-wide counter: it moves on
 * once per tick in which anything was written (one `nextTick` shared by every connection), and
 * a transport remembers the value it wrote under.
 */
let tick = 0;
let advanceScheduled = false;

function advance(): void {
  tick++;
  advanceScheduled = false;
}

/** Records a write now; returns the value to remember (see `wroteThisTick`). */
export function markWrite(): number {
  if (!advanceScheduled) {
    advanceScheduled = true;
    process.nextTick(advance);
  }
  return tick;
}

/** Whether a write marked with `mark` happened in the current tick (its completion is not seen yet). */
export function wroteThisTick(mark: number): boolean {
  return mark === tick;
}
