import createDebug from "debug";
import type { RedisConnection } from "./redis-client.js";

const debug = createDebug("sockline:redis-adapter");

/** Listener told about outages (with the first error seen) and recoveries. */
export interface ConnectionStateListener {
  onRedisDown(error: Error): void;
  onRedisRestored(): void;
}

/**
 * Follows the health of the Redis connections one adapter factory uses (shared by all its namespaces), so that an
 * outage is reported once, not once per failed reconnection attempt, and the adapters know when not to wait for Redis.
 *
 * The listeners it installs on the clients also mean a Redis outage can never surface as an unhandled 'error' event.
 */
export class ConnectionMonitor {
  private down = false;
  private readonly listeners = new Set<ConnectionStateListener>();
  private readonly unwatch: Array<() => void> = [];
  private readonly connections: RedisConnection[] = [];

  /** Whether an outage is going on (some connection was lost and has not become ready again). */
  get isDown(): boolean {
    return this.down;
  }

  watch(connection: RedisConnection): void {
    this.connections.push(connection);
    this.unwatch.push(
      connection.watch((signal, error) => {
        if (signal === "down") this.markDown(connection, error);
        else this.maybeRestored();
      }),
    );
  }

  subscribe(listener: ConnectionStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private markDown(connection: RedisConnection, cause?: Error) {
    if (this.down) return;
    this.down = true;
    const error = new Error(
      `Redis connection lost (${connection.flavour} client): ${cause?.message ?? "connection closed"}; ` +
        "serving local clients only until it comes back",
      { cause },
    );
    debug("%s", error.message);
    for (const listener of this.listeners) listener.onRedisDown(error);
  }

  private maybeRestored() {
    if (!this.down || !this.connections.every((connection) => connection.isReady())) return;
    this.down = false;
    debug("Redis connection restored; cluster traffic resumes");
    for (const listener of this.listeners) listener.onRedisRestored();
  }

  close(): void {
    for (const stop of this.unwatch.splice(0)) stop();
    this.listeners.clear();
  }
}
