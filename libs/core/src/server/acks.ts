import type { AckCallback } from "../adapter/index.js";

/**
 * Acknowledgement callbacks a socket waits for, by packet id. Bounded: a client that never answers
 * cannot make the table grow without limit; past `limit` entries `onOverflow` runs (the socket closes
 * its connection). A Map subclass so adapters that call `socket.acks.set()` directly are bounded too.
 */
export class AckTable extends Map<number, AckCallback> {
  private overflowed = false;

  constructor(
    private readonly limit: number,
    private readonly onOverflow: (limit: number) => void,
  ) {
    super();
  }

  override set(id: number, ack: AckCallback): this {
    super.set(id, ack);
    if (this.size > this.limit && !this.overflowed) {
      this.overflowed = true;
      this.onOverflow(this.limit);
    }
    return this;
  }
}

/**
 * Wraps `ack` so that it is called with `(null, ...response)` if the peer answers within `timeout` ms,
 * or with a timeout error (and removed from `table`) otherwise.
 */
export function withTimeout(
  table: Map<number, AckCallback>,
  id: number,
  ack: AckCallback,
  timeout: number,
  thisArg: unknown,
  onTimeout: (id: number, timeout: number) => void,
): AckCallback {
  const timer = setTimeout(() => {
    onTimeout(id, timeout);
    table.delete(id);
    ack.call(thisArg, new Error("operation has timed out"));
  }, timeout);
  return (...args: unknown[]) => {
    clearTimeout(timer);
    ack.call(thisArg, null, ...args);
  };
}
