import createDebug from "debug";
import type { Packet } from "../parser/index.js";
import { Adapter } from "./in-memory-adapter.js";
import type { AdapterNamespace, BroadcastOptions, PrivateSessionId, Room, Session, SessionToPersist } from "./types.js";

const debug = createDebug("sockline:adapter");

export const DEFAULT_MAX_DISCONNECTION_DURATION = 2 * 60 * 1000;
/** Default cap on the replay log (entries); older packets are dropped first. */
export const DEFAULT_MAX_RECOVERY_PACKETS = 10_000;
/** Default cap on stored sessions; the oldest disconnection is forgotten first. */
export const DEFAULT_MAX_RECOVERY_SESSIONS = 100_000;

interface StoredSession extends SessionToPersist {
  disconnectedAt: number;
}

interface LoggedPacket {
  id: string;
  opts: BroadcastOptions;
  data: unknown[];
  emittedAt: number;
}

let offsetCounter = 0;
/** Offsets only need to be unique and opaque; the client echoes the last one it saw. */
function nextOffset(): string {
  offsetCounter = (offsetCounter + 1) % 0x7fffffff;
  return Date.now().toString(36) + "-" + offsetCounter.toString(36);
}

/**
 * In-memory adapter with connection state recovery: remembers disconnected sessions and a log of
 * broadcast events for `maxDisconnectionDuration`, so a client that comes back gets its id, rooms and
 * data back plus the events it missed. Bounded: the log and the session table are capped, and a
 * session can be restored only once (a replayed pid is refused).
 */
export class SessionAwareAdapter extends Adapter {
  private readonly maxDisconnectionDuration: number;
  private readonly maxPackets: number;
  private readonly maxSessions: number;
  private readonly sessions = new Map<PrivateSessionId, StoredSession>();
  private packets: LoggedPacket[] = [];
  /** Index of the first live entry in `packets`; expired entries are cut in batches. */
  private head = 0;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(nsp: AdapterNamespace) {
    super(nsp);
    const recovery = nsp.connectionStateRecovery ?? {};
    this.maxDisconnectionDuration = recovery.maxDisconnectionDuration ?? DEFAULT_MAX_DISCONNECTION_DURATION;
    this.maxPackets = recovery.maxPackets ?? DEFAULT_MAX_RECOVERY_PACKETS;
    this.maxSessions = recovery.maxSessions ?? DEFAULT_MAX_RECOVERY_SESSIONS;
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1000, this.maxDisconnectionDuration)));
    this.sweepTimer.unref();
  }

  override close(): void {
    clearInterval(this.sweepTimer);
    this.sessions.clear();
    this.packets = [];
    this.head = 0;
  }

  private sweep(): void {
    const threshold = Date.now() - this.maxDisconnectionDuration;
    for (const [pid, session] of this.sessions) {
      if (session.disconnectedAt < threshold) this.sessions.delete(pid);
    }
    while (this.head < this.packets.length && this.packets[this.head]!.emittedAt < threshold) this.head++;
    this.compactLog();
  }

  private compactLog(): void {
    if (this.head > 0 && this.head * 2 >= this.packets.length) {
      this.packets = this.packets.slice(this.head);
      this.head = 0;
    }
  }

  override persistSession(session: SessionToPersist): void {
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) {
        debug("recovery session table full (limit maxSessions=%d): dropping session %s", this.maxSessions, oldest);
        this.sessions.delete(oldest);
      }
    }
    this.sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
  }

  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    const session = this.sessions.get(pid);
    if (!session) return Promise.resolve(null);
    // Restorable once: whoever presents this pid again (a replay, a second tab) starts fresh.
    this.sessions.delete(pid);
    if (session.disconnectedAt + this.maxDisconnectionDuration < Date.now()) {
      debug("session %s has expired", session.sid);
      return Promise.resolve(null);
    }
    let index = -1;
    for (let i = this.packets.length - 1; i >= this.head; i--) {
      if (this.packets[i]!.id === offset) {
        index = i;
        break;
      }
    }
    if (index === -1) {
      debug("offset %s of session %s is no longer in the log", offset, session.sid);
      return Promise.resolve(null);
    }
    const missedPackets: unknown[][] = [];
    for (let i = index + 1; i < this.packets.length; i++) {
      const entry = this.packets[i]!;
      if (reachesRooms(session.rooms, entry.opts)) missedPackets.push(entry.data);
    }
    const { disconnectedAt: _ignored, ...rest } = session;
    return Promise.resolve({ ...rest, missedPackets });
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    // Packets with an ack are not logged: the callback cannot follow the client to a later connection.
    if (packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined) {
      const id = nextOffset();
      // The offset rides at the end of the arguments; the client strips it and remembers it.
      (packet.data as unknown[]).push(id);
      this.packets.push({ id, opts, data: packet.data, emittedAt: Date.now() });
      if (this.packets.length - this.head > this.maxPackets) {
        this.head++;
        if (this.head === 1 || this.head % 1024 === 0) {
          debug("recovery packet log full (limit maxPackets=%d): dropping the oldest entries", this.maxPackets);
        }
        this.compactLog();
      }
    }
    super.broadcast(packet, opts);
  }
}

function reachesRooms(sessionRooms: Room[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || sessionRooms.some((room) => opts.rooms.has(room));
  if (!included) return false;
  const except = opts.except;
  return !except || except.size === 0 || sessionRooms.every((room) => !except.has(room));
}
