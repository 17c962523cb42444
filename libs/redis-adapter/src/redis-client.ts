/**
 * A small duck-typed layer over the two Redis clients users bring: `redis` (node-redis v4/v5) and `ioredis`.
 *
 * The adapters never import either package: they only need a handful of operations (publish, subscribe, a raw command,
 * duplicate, connection events), and each client spells them differently. Everything else in this library talks to a
 * {@link RedisConnection}.
 */

/** Payload sent or received over Redis: text (JSON) or bytes (msgpack). */
export type RedisPayload = string | Buffer;

/** Called with the channel a message arrived on and its raw bytes. */
export type ChannelHandler = (channel: string, message: Buffer) => void;

/** Connection lifecycle signals, normalised across clients. */
export type ConnectionSignal = "ready" | "down";

/** The subset of a node-redis client (v4 or v5) this library calls. */
export interface NodeRedisClientLike {
  sendCommand(args: ReadonlyArray<string | Buffer>): Promise<unknown>;
  subscribe(channels: string | string[], listener: (message: Buffer, channel: Buffer | string) => void, bufferMode: true): Promise<unknown>;
  unsubscribe(
    channels: string | string[],
    listener: (message: Buffer, channel: Buffer | string) => void,
    bufferMode: true,
  ): Promise<unknown>;
  pSubscribe(
    patterns: string | string[],
    listener: (message: Buffer, channel: Buffer | string) => void,
    bufferMode: true,
  ): Promise<unknown>;
  pUnsubscribe(
    patterns: string | string[],
    listener: (message: Buffer, channel: Buffer | string) => void,
    bufferMode: true,
  ): Promise<unknown>;
  duplicate(): NodeRedisClientLike;
  connect(): Promise<unknown>;
  readonly isReady: boolean;
  readonly isOpen: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  quit?(): Promise<unknown>;
  close?(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

/** The subset of an ioredis client this library calls. */
export interface IoRedisClientLike {
  call(command: string, ...args: Array<string | Buffer | number>): Promise<unknown>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  psubscribe(...patterns: string[]): Promise<unknown>;
  punsubscribe(...patterns: string[]): Promise<unknown>;
  duplicate(): IoRedisClientLike;
  connect(): Promise<unknown>;
  readonly status: string;
  readonly options?: { lazyConnect?: boolean };
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  disconnect(reconnect?: boolean): void;
  quit(): Promise<unknown>;
}

/** Either supported client. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** One Redis client seen through the operations the adapters need. */
export interface RedisConnection {
  /** `"node-redis"` or `"ioredis"`: for logs and errors. */
  readonly flavour: "node-redis" | "ioredis";
  /** The user's client, untouched. */
  readonly client: RedisClientLike;
  /** Whether the client is connected and ready to run commands right now. */
  isReady(): boolean;
  /** Run one command; bulk replies may be strings or Buffers depending on the client. */
  command(args: ReadonlyArray<string | Buffer | number>): Promise<unknown>;
  publish(channel: string, payload: RedisPayload): Promise<unknown>;
  subscribe(channels: string[], handler: ChannelHandler): Promise<void>;
  unsubscribe(channels: string[], handler: ChannelHandler): Promise<void>;
  psubscribe(pattern: string, handler: ChannelHandler): Promise<void>;
  punsubscribe(pattern: string, handler: ChannelHandler): Promise<void>;
  /** A new connected client with the same options (for subscriptions or blocking reads). */
  duplicate(): Promise<RedisConnection>;
  /** Listen to connection state changes; returns a function that removes the listeners. */
  watch(listener: (signal: ConnectionSignal, error?: Error) => void): () => void;
  /**
   * Close the connection (only for clients this library created itself). Graceful by default (pending commands
   * finish); `force` drops them at once, e.g. a blocking XREAD.
   */
  close(force?: boolean): Promise<void>;
}

function isNodeRedis(client: RedisClientLike): client is NodeRedisClientLike {
  return (
    typeof (client as NodeRedisClientLike).sendCommand === "function" && typeof (client as NodeRedisClientLike).pSubscribe === "function"
  );
}

function isIoRedis(client: RedisClientLike): client is IoRedisClientLike {
  return typeof (client as IoRedisClientLike).call === "function" && typeof (client as IoRedisClientLike).psubscribe === "function";
}

const toText = (channel: Buffer | string): string => (typeof channel === "string" ? channel : channel.toString());

/** Wrap a user's client. Throws a descriptive TypeError for anything that is neither node-redis nor ioredis. */
export function wrapRedisClient(client: RedisClientLike): RedisConnection {
  if (client && isNodeRedis(client)) return new NodeRedisConnection(client);
  if (client && isIoRedis(client)) return new IoRedisConnection(client);
  throw new TypeError(
    "@sockline/redis-adapter: unsupported Redis client; pass a client from the `redis` package (createClient()) " +
      "or from the `ioredis` package (new Redis())",
  );
}

/**
 * Turns a client's events into connection signals: "ready", and "down" on "error" (with it) and on `downEvents`,
 * the events by which this client says it lost its connection. Returns a function that removes the listeners.
 */
function watchConnection(
  client: Pick<RedisClientLike, "on" | "off">,
  downEvents: readonly string[],
  listener: (signal: ConnectionSignal, error?: Error) => void,
): () => void {
  const listeners: Array<[string, (...args: any[]) => void]> = [
    ["ready", () => listener("ready")],
    ["error", (error: Error) => listener("down", error)],
    ...downEvents.map((event): [string, () => void] => [event, () => listener("down")]),
  ];
  for (const [event, handler] of listeners) client.on(event, handler);
  return () => {
    for (const [event, handler] of listeners) client.off(event, handler);
  };
}

class NodeRedisConnection implements RedisConnection {
  readonly flavour = "node-redis" as const;
  // node-redis calls each listener with (message, channel); our handlers take (channel, message), so keep the
  // bridge function per handler to be able to remove exactly that listener later.
  private readonly bridges = new WeakMap<ChannelHandler, (message: Buffer, channel: Buffer | string) => void>();

  constructor(readonly client: NodeRedisClientLike) {}

  isReady(): boolean {
    return this.client.isReady;
  }

  command(args: ReadonlyArray<string | Buffer | number>): Promise<unknown> {
    return this.client.sendCommand(args.map((arg) => (typeof arg === "number" ? String(arg) : arg)));
  }

  publish(channel: string, payload: RedisPayload): Promise<unknown> {
    return this.client.sendCommand(["PUBLISH", channel, payload]);
  }

  private bridge(handler: ChannelHandler) {
    let bridge = this.bridges.get(handler);
    if (!bridge) {
      bridge = (message, channel) => handler(toText(channel), message);
      this.bridges.set(handler, bridge);
    }
    return bridge;
  }

  async subscribe(channels: string[], handler: ChannelHandler): Promise<void> {
    await this.client.subscribe(channels, this.bridge(handler), true);
  }

  async unsubscribe(channels: string[], handler: ChannelHandler): Promise<void> {
    // one channel at a time: some node-redis 4.x versions mishandle several channels with a listener
    for (const channel of channels) await this.client.unsubscribe(channel, this.bridge(handler), true);
  }

  async psubscribe(pattern: string, handler: ChannelHandler): Promise<void> {
    await this.client.pSubscribe(pattern, this.bridge(handler), true);
  }

  async punsubscribe(pattern: string, handler: ChannelHandler): Promise<void> {
    await this.client.pUnsubscribe(pattern, this.bridge(handler), true);
  }

  async duplicate(): Promise<RedisConnection> {
    const copy = this.client.duplicate();
    // without a listener, a connection error on our own client would be an unhandled 'error' event
    copy.on("error", () => {});
    await copy.connect();
    return new NodeRedisConnection(copy);
  }

  watch(listener: (signal: ConnectionSignal, error?: Error) => void): () => void {
    return watchConnection(this.client, ["reconnecting", "end"], listener);
  }

  async close(force = false): Promise<void> {
    const client = this.client;
    if (!client.isOpen) return;
    if (force && typeof client.destroy === "function") return client.destroy();
    // a graceful close lets pending commands (unsubscribes) finish; when Redis is unreachable they never would
    if (client.isReady && typeof client.close === "function") await client.close();
    else if (client.isReady && typeof client.quit === "function") await client.quit();
    else if (typeof client.destroy === "function") client.destroy();
    else await client.disconnect?.();
  }
}

/**
 * ioredis delivers every message of a client through one `messageBuffer`/`pmessageBuffer` event, so each wrapped
 * client keeps one routing table and installs its two listeners once.
 */
class IoRedisConnection implements RedisConnection {
  readonly flavour = "ioredis" as const;
  private readonly channelHandlers = new Map<string, Set<ChannelHandler>>();
  private readonly patternHandlers = new Map<string, Set<ChannelHandler>>();
  private routing = false;

  constructor(readonly client: IoRedisClientLike) {}

  isReady(): boolean {
    return this.client.status === "ready";
  }

  command(args: ReadonlyArray<string | Buffer | number>): Promise<unknown> {
    const [name, ...rest] = args;
    return this.client.call(String(name), ...rest);
  }

  publish(channel: string, payload: RedisPayload): Promise<unknown> {
    return this.client.call("PUBLISH", channel, payload);
  }

  private ensureRouting() {
    if (this.routing) return;
    this.routing = true;
    this.client.on("messageBuffer", (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      for (const handler of this.channelHandlers.get(name) ?? []) handler(name, message);
    });
    this.client.on("pmessageBuffer", (pattern: Buffer, channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      for (const handler of this.patternHandlers.get(pattern.toString()) ?? []) handler(name, message);
    });
  }

  private static add(table: Map<string, Set<ChannelHandler>>, key: string, handler: ChannelHandler) {
    let handlers = table.get(key);
    if (!handlers) table.set(key, (handlers = new Set()));
    handlers.add(handler);
  }

  /** Removes the handler; returns whether the key has no handler left (and can be unsubscribed). */
  private static remove(table: Map<string, Set<ChannelHandler>>, key: string, handler: ChannelHandler): boolean {
    const handlers = table.get(key);
    handlers?.delete(handler);
    if (handlers && handlers.size > 0) return false;
    table.delete(key);
    return true;
  }

  async subscribe(channels: string[], handler: ChannelHandler): Promise<void> {
    this.ensureRouting();
    for (const channel of channels) IoRedisConnection.add(this.channelHandlers, channel, handler);
    await this.client.subscribe(...channels);
  }

  async unsubscribe(channels: string[], handler: ChannelHandler): Promise<void> {
    const unused = channels.filter((channel) => IoRedisConnection.remove(this.channelHandlers, channel, handler));
    if (unused.length > 0) await this.client.unsubscribe(...unused);
  }

  async psubscribe(pattern: string, handler: ChannelHandler): Promise<void> {
    this.ensureRouting();
    IoRedisConnection.add(this.patternHandlers, pattern, handler);
    await this.client.psubscribe(pattern);
  }

  async punsubscribe(pattern: string, handler: ChannelHandler): Promise<void> {
    if (IoRedisConnection.remove(this.patternHandlers, pattern, handler)) await this.client.punsubscribe(pattern);
  }

  async duplicate(): Promise<RedisConnection> {
    const copy = this.client.duplicate();
    copy.on("error", () => {});
    if (copy.options?.lazyConnect) await copy.connect();
    return new IoRedisConnection(copy);
  }

  watch(listener: (signal: ConnectionSignal, error?: Error) => void): () => void {
    return watchConnection(this.client, ["close", "end"], listener);
  }

  async close(force = false): Promise<void> {
    if (this.client.status === "end") return;
    if (force || this.client.status !== "ready") this.client.disconnect(false);
    else await this.client.quit();
  }
}

/** `PUBSUB NUMSUB <channel>` answers `[channel, count]`. */
export async function countSubscribers(connection: RedisConnection, channel: string): Promise<number> {
  const reply = await connection.command(["PUBSUB", "NUMSUB", channel]);
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new Error(`unexpected PUBSUB NUMSUB reply for channel ${channel}: ${JSON.stringify(reply)}`);
  }
  return Number(reply[1]);
}
