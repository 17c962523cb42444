/**
 * Notices that a peer node went away while something waits on it (a forwarded request, a relayed WebSocket): one
 * `PUBSUB NUMSUB` per interval for all those peers, and a peer whose channel has no subscriber any more is gone
 * (its Redis connections closed with its process). Runs only while something waits; costs nothing otherwise.
 */
import createDebug from "debug";
import type { RedisConnection } from "../redis-client.js";

const debug = createDebug("sockline:redis-session-router");

export class PeerLiveness {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private stopped = false;

  constructor(
    private readonly publisher: RedisConnection,
    private readonly channelOf: (peer: string) => string,
    private readonly peersWaitedOn: () => Set<string>,
    private readonly onGone: (peer: string) => void,
    private readonly interval: number,
  ) {}

  /** Something started waiting on a peer: check periodically until nothing waits. */
  watch(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.check(), this.interval);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const peers = [...this.peersWaitedOn()];
    if (peers.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.checking) return;
    this.checking = true;
    try {
      const reply = await this.publisher.command(["PUBSUB", "NUMSUB", ...peers.map((peer) => this.channelOf(peer))]);
      if (!Array.isArray(reply) || this.stopped) return;
      peers.forEach((peer, index) => {
        if (Number(reply[index * 2 + 1]) === 0) this.onGone(peer);
      });
    } catch (error) {
      debug("liveness check failed: %s", (error as Error).message);
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
