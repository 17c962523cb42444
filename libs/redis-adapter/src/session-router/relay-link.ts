/**
 * One relayed WebSocket as both nodes see it: the edge (the node that accepted the client's WebSocket) and the owner
 * (the node whose session it carries) each hold a `RelayLink` for it, and frames travel between the two over Redis.
 *
 * - Ordered: every frame carries a sequence number; Redis Pub/Sub keeps the order of one publishing connection, so a
 *   gap means frames were lost (a Redis reconnection) and the link is closed rather than deliver a hole.
 * - Closed both ways: `close()` tells the peer; the peer's close arrives as the `onClose` event. A PUBLISH that no node
 *   received (the peer's subscription is gone: it died) closes the link at once.
 * - Bounded: bytes published but not yet acknowledged by Redis, and frames received before anyone listens, are
 *   bounded by `maxRelayBufferedBytes`; past it the link is closed (the client reconnects) and a diagnostic is sent.
 */
import createDebug from "debug";

const debug = createDebug("sockline:redis-session-router");

/** What a link needs from the transport that carries it. */
export interface LinkCarrier {
  readonly maxRelayBufferedBytes: number;
  /** Publishes a frame; resolves with the number of nodes that received it. */
  publishFrame(link: RelayLink, seq: number, frame: string | Buffer): Promise<number>;
  publishClose(link: RelayLink): void;
  /** The link ended (either way): forget it. */
  forget(link: RelayLink): void;
  reportLimit(link: RelayLink, value: number): void;
  reportViolation(link: RelayLink, message: string): void;
}

export type LinkSide = "edge" | "owner";

export class RelayLink {
  private frameListener: ((frame: string | Buffer) => void) | undefined;
  private readonly closeListeners: Array<() => void> = [];
  /** Frames received before `onFrame` was called, with their size. */
  private early: Array<string | Buffer> = [];
  private earlyBytes = 0;
  private nextSeqOut = 0;
  private nextSeqIn = 0;
  /** Bytes handed to Redis whose PUBLISH has not answered yet. */
  private inFlightBytes = 0;
  private ended = false;

  constructor(
    private readonly carrier: LinkCarrier,
    /** The other node. */
    readonly peer: string,
    /** Link id, allocated by the edge. */
    readonly id: number,
    readonly side: LinkSide,
    readonly sid: string,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes waiting for Redis to take them. */
  get bufferedBytes(): number {
    return this.inFlightBytes;
  }

  /** Sends a frame to the peer (towards the client on the owner, towards the session on the edge). */
  send(frame: string | Buffer): void {
    if (this.ended) return;
    const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
    if (this.inFlightBytes + size > this.carrier.maxRelayBufferedBytes && this.inFlightBytes > 0) {
      this.carrier.reportLimit(this, this.inFlightBytes + size);
      this.close();
      return;
    }
    this.inFlightBytes += size;
    this.carrier.publishFrame(this, this.nextSeqOut++ >>> 0, frame).then(
      (receivers) => {
        this.inFlightBytes -= size;
        if (receivers === 0) {
          debug("link %s/%d (sid %s): peer %s no longer subscribed, closing", this.side, this.id, this.sid, this.peer);
          this.end();
        }
      },
      (error: Error) => {
        this.inFlightBytes -= size;
        debug("link %s/%d (sid %s): publish failed (%s), closing", this.side, this.id, this.sid, error.message);
        this.end();
      },
    );
  }

  /** Closes the link here and tells the peer. */
  close(): void {
    if (this.ended) return;
    this.carrier.publishClose(this);
    this.end();
  }

  onFrame(listener: (frame: string | Buffer) => void): void {
    this.frameListener = listener;
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    for (const frame of early) {
      if (this.ended) return;
      listener(frame);
    }
  }

  /** Called once when the link ends, whichever side ended it. */
  onClose(listener: () => void): void {
    if (this.ended) queueMicrotask(listener);
    else this.closeListeners.push(listener);
  }

  /** A frame from the peer (called by the transport). */
  receive(seq: number, frame: string | Buffer): void {
    if (this.ended) return;
    if (seq !== this.nextSeqIn) {
      this.carrier.reportViolation(this, `frame ${seq} received where ${this.nextSeqIn} was expected (frames lost)`);
      this.close();
      return;
    }
    this.nextSeqIn = (this.nextSeqIn + 1) >>> 0;
    if (this.frameListener) {
      this.frameListener(frame);
      return;
    }
    this.earlyBytes += typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
    if (this.earlyBytes > this.carrier.maxRelayBufferedBytes) {
      this.carrier.reportLimit(this, this.earlyBytes);
      this.close();
      return;
    }
    this.early.push(frame);
  }

  /** The peer closed the link, or is gone (called by the transport). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.early = [];
    this.carrier.forget(this);
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch (error) {
        debug("link %s/%d: a close listener threw: %s", this.side, this.id, error);
      }
    }
  }
}
