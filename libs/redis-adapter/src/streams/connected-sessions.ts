/**
 * Sessions of connected sockets kept in Redis while they are connected (streams adapter option
 * `persistConnectedSessions`), so that connection state recovery also works when a node dies.
 *
 * Without it (the reference's behaviour) a session is written to Redis when its socket disconnects: a node that
 * crashes, is killed or loses power writes nothing, and its clients reconnect to a fresh session elsewhere. With it,
 * each socket's session (`pid`, id, rooms, data) is written when it connects and when its rooms change (batched per
 * event-loop turn), and rewritten every `refreshInterval` (which also picks up changes of `socket.data`); the key
 * expires `maxDisconnectionDuration + refreshInterval` after the last write, so the session of a socket whose node
 * died stays restorable for at least `maxDisconnectionDuration`.
 *
 * Cost: one SET per connection, per room change and per socket per `refreshInterval`. What a crash loses: the
 * rooms and data changes since the last write (a room change is written within one event-loop turn; `socket.data`
 * changes within `refreshInterval`).
 */
import type { AdapterNamespace, SocketId } from "@sockline/core/adapter";
import createDebug from "debug";
import * as msgpack from "notepack.io";
import type { RedisConnection } from "../redis-client.js";

const debug = createDebug("sockline:redis-adapter:streams");

/** The members of the server's socket this needs besides `AdapterSocket`'s (`pid` is set when recovery is on). */
interface RecoverableSocket {
  readonly id: SocketId;
  readonly rooms: Set<string>;
  readonly data: unknown;
  readonly pid?: string;
  readonly connected?: boolean;
}

export class ConnectedSessions {
  private readonly dirty = new Set<SocketId>();
  private readonly known = new Set<SocketId>();
  private flushScheduled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly nsp: AdapterNamespace,
    private readonly publisher: RedisConnection,
    private readonly keyPrefix: string,
    private readonly maxDisconnectionDuration: number,
    private readonly refreshInterval: number,
  ) {
    this.timer = setInterval(() => {
      for (const id of this.known) this.dirty.add(id);
      this.scheduleFlush();
    }, refreshInterval);
    this.timer.unref();
  }

  /** The rooms of socket `id` changed (it connected, joined or left). */
  touch(id: SocketId): void {
    this.known.add(id);
    this.dirty.add(id);
    this.scheduleFlush();
  }

  /**
   * Socket `id` left every room (it disconnected). Its key is not deleted: a disconnect the server saw wrote the
   * session it will restore (the adapter's `persistSession`), and a key left behind expires on its own.
   */
  forget(id: SocketId): void {
    this.known.delete(id);
    this.dirty.delete(id);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const ids = [...this.dirty];
    this.dirty.clear();
    const ttl = this.maxDisconnectionDuration + this.refreshInterval;
    for (const socket of this.nsp.localSockets(ids) as unknown as RecoverableSocket[]) {
      // a socket already gone (its disconnect persisted the session) must not be overwritten with what is left of it
      if (socket.pid === undefined || socket.connected === false) continue;
      const session = { sid: socket.id, pid: socket.pid, rooms: [...socket.rooms], data: socket.data ?? {} };
      const encoded = Buffer.from(msgpack.encode(session)).toString("base64");
      this.publisher.command(["SET", this.keyPrefix + socket.pid, encoded, "PX", ttl]).catch((error: Error) => {
        debug("could not write the session of connected socket %s: %s", socket.id, error.message);
      });
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.dirty.clear();
    this.known.clear();
  }
}
