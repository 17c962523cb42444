import createDebug from "debug";
import { ConnectionMonitor } from "./connection-monitor.js";
import { wrapRedisClient, type RedisClientLike, type RedisConnection } from "./redis-client.js";

const debug = createDebug("sockline:redis-adapter");

/**
 * The Redis connections one `createAdapter(...)` call hands to all its namespaces: the publishing client, the
 * subscribing client (the user's, or a duplicate we own), and one outage monitor for both.
 */
export class SharedConnections {
  readonly publisher: RedisConnection;
  /** Resolves once the subscriber exists (a duplicate of the publisher needs to connect first). */
  readonly subscriber: Promise<RedisConnection>;
  readonly monitor = new ConnectionMonitor();
  private readonly ownsSubscriber: boolean;
  private users = 0;

  constructor(pubClient: RedisClientLike, subClient?: RedisClientLike) {
    this.publisher = wrapRedisClient(pubClient);
    this.monitor.watch(this.publisher);
    this.ownsSubscriber = subClient === undefined;
    this.subscriber = subClient === undefined ? this.publisher.duplicate() : Promise.resolve(wrapRedisClient(subClient));
    this.subscriber.then(
      (subscriber) => this.monitor.watch(subscriber),
      (error: Error) => debug("could not create the subscriber connection: %s", error.message),
    );
  }

  /** Called by each adapter created from these connections. */
  acquire(): void {
    this.users++;
  }

  /** Called when an adapter closes; the last one closes the subscriber this library created. */
  async release(): Promise<void> {
    this.users--;
    if (this.users > 0) return;
    this.monitor.close();
    if (this.ownsSubscriber) {
      const subscriber = await this.subscriber.catch(() => undefined);
      await subscriber?.close().catch((error: Error) => debug("error while closing the subscriber: %s", error.message));
    }
  }
}
