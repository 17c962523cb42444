import createDebug from "debug";
import type { AckCallback } from "../adapter/index.js";
import type { AckCounters } from "./metrics.js";

const debug = createDebug("sockline:socket:ack");

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
    /** The server's ack counters: every ack registered here is one asked of the client. */
    private readonly counters?: AckCounters,
  ) {
    super();
  }

  override set(id: number, ack: AckCallback): this {
    super.set(id, ack);
    if (this.counters !== undefined) this.counters.sent++;
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

/** Where an acknowledgement stands: not answered yet, answered once, or given up (nobody to answer). */
export type AckState = "pending" | "answered" | "dropped";

/** What delivers the answer: the socket the event came from (or any callback, see `AckSender.from`). */
export interface AckDelivery {
  /** Writes the answer to packet `id`; returns false when it cannot be delivered any more. */
  _answerAck(id: number, args: unknown[]): boolean;
}

const SENDER = Symbol("sockline.ackSender");

/** The callback listeners receive for an event sent with an ack id, linked to its owner. */
export type AckFunction = ((...args: any[]) => void) & { readonly [SENDER]: AckSender };

/**
 * The one owner of the answer to an event the client sent with an ack id: it answers at most
 * once and knows whether it has (`state`). Listeners receive its `callback`, the function of the
 * reference (`socket.on("ev", (data, ack) => ...)`: the first call answers, later calls are
 * ignored). Layers above the socket (a gateway dispatcher, a framework adapter) find the owner
 * from that callback with `AckSender.of()`, so that whoever answers first answers for all, and
 * anyone can ask whether an answer is still owed.
 */
export class AckSender {
  /** The function handed to listeners: `callback(...args)` is `send(...args)`. */
  readonly callback: AckFunction;
  private current: AckState = "pending";

  constructor(
    private readonly delivery: AckDelivery,
    /** The packet id the client is waiting on (-1 for a sender wrapping a plain callback). */
    readonly id: number,
  ) {
    const callback = ((...args: unknown[]) => void this.send(...args)) as AckFunction & { [SENDER]: AckSender };
    callback[SENDER] = this;
    this.callback = callback;
  }

  /** The owner of `callback`, if it is the callback of an `AckSender`. */
  static of(callback: unknown): AckSender | undefined {
    return typeof callback === "function" ? (callback as Partial<AckFunction>)[SENDER] : undefined;
  }

  /** The owner of `callback`, or a new one wrapping it (for callbacks that did not come from a socket). */
  static from(callback: (...args: any[]) => void): AckSender {
    const owner = AckSender.of(callback);
    if (owner !== undefined) return owner;
    const answerByCalling = (_id: number, args: unknown[]): boolean => {
      callback(...args);
      return true;
    };
    return new AckSender({ _answerAck: answerByCalling }, -1);
  }

  get state(): AckState {
    return this.current;
  }

  /** Whether an answer is still owed. */
  get pending(): boolean {
    return this.current === "pending";
  }

  /**
   * Answers with `args` if no answer was sent yet; returns whether this call answered. Later calls
   * are ignored (the reference's semantics): the client gets exactly one ACK packet.
   */
  send(...args: unknown[]): boolean {
    if (this.current !== "pending") {
      debug("ack %d already %s: a further answer is ignored", this.id, this.current);
      return false;
    }
    this.current = this.delivery._answerAck(this.id, args) ? "answered" : "dropped";
    return this.current === "answered";
  }

  /** Gives up the answer (the client is gone, or nothing will answer): later calls are ignored. */
  drop(): void {
    if (this.current === "pending") this.current = "dropped";
  }
}
