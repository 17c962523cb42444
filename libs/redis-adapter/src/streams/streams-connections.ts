import createDebug from "debug";
import { ConnectionMonitor } from "../connection-monitor.js";
import { wrapRedisClient, type RedisClientLike, type RedisConnection } from "../redis-client.js";
import { fromStreamEntry, type ClusterMessage } from "./cluster-protocol.js";
import { StreamReader, type StreamReaderOptions } from "./stream-reader.js";

const debug = createDebug("sockline:redis-adapter:streams");

/** A namespace adapter as the shared readers see it. */
export interface StreamConsumer {
  onStreamMessage(message: ClusterMessage, offset: string): void;
}

/**
 * Connections shared by the namespaces of one `createStreamsAdapter(...)` call: the user's client (commands and
 * publishing), one subscriber, one reader per stream, and the outage monitor. Stream entries are routed to the
 * adapter of their namespace.
 */
export class StreamsConnections {
  readonly publisher: RedisConnection;
  readonly subscriber: Promise<RedisConnection>;
  readonly monitor = new ConnectionMonitor();
  private readonly readers = new Map<string, Promise<StreamReader>>();
  private readonly consumers = new Map<string, StreamConsumer>();

  constructor(
    client: RedisClientLike,
    private readonly readerOptions: StreamReaderOptions,
  ) {
    this.publisher = wrapRedisClient(client);
    this.monitor.watch(this.publisher);
    this.subscriber = this.publisher.duplicate();
    this.subscriber.then(
      (subscriber) => this.monitor.watch(subscriber),
      (error: Error) => debug("could not create the subscriber connection: %s", error.message),
    );
  }

  /** Registers a namespace and makes sure its stream is being read; resolves when it is. */
  async register(namespace: string, streamName: string, consumer: StreamConsumer): Promise<void> {
    this.consumers.set(namespace, consumer);
    let reader = this.readers.get(streamName);
    if (!reader) {
      reader = this.startReader(streamName);
      this.readers.set(streamName, reader);
    }
    await reader;
  }

  private async startReader(streamName: string): Promise<StreamReader> {
    const connection = await this.publisher.duplicate();
    const reader = new StreamReader(connection, streamName, this.readerOptions, (id, fields) => this.route(id, fields));
    await reader.start();
    return reader;
  }

  private route(id: string, fields: Record<string, string>): void {
    if (!fields.nsp) return;
    const consumer = this.consumers.get(fields.nsp);
    if (!consumer) return;
    let message: ClusterMessage;
    try {
      message = fromStreamEntry(fields);
    } catch (error) {
      debug("ignoring malformed stream entry %s: %s", id, (error as Error).message);
      return;
    }
    consumer.onStreamMessage(message, id);
  }

  /** Unregisters a namespace; the last one stops the readers and closes the connections this library opened. */
  async release(namespace: string): Promise<void> {
    this.consumers.delete(namespace);
    if (this.consumers.size > 0) return;
    this.monitor.close();
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(
      readers.map((reader) =>
        reader.then(
          (r) => r.stop(),
          () => undefined,
        ),
      ),
    );
    const subscriber = await this.subscriber.catch(() => undefined);
    await subscriber?.close().catch(() => {});
  }
}
