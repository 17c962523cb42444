/**
 * The Socket.IO layer's counters, and `io.metrics()`: one snapshot of the server's figures, the
 * engine's (`engine.metrics()`), the diagnostics' counts (limit hits and violations, one source of
 * truth with `io.diagnostics`), each namespace's sockets and, when its adapter keeps some, the
 * adapter's figures.
 *
 * Always on. Hot paths (a packet in or out) bump one slot of a fixed array indexed by packet type:
 * no Map lookup keyed by a string, no allocation. Gauges that can be read off the server's own
 * state (sockets per namespace, acks awaited) are not kept at all: the snapshot counts them.
 */
import type { DiagnosticCounts, EngineMetricsSnapshot } from "../engine/index.js";
import { PACKET_TYPE_NAMES } from "../parser/index.js";

/** Socket.IO packet type names, as `PACKET_TYPE_NAMES` has them. */
export type PacketTypeName = "CONNECT" | "DISCONNECT" | "EVENT" | "ACK" | "CONNECT_ERROR" | "BINARY_EVENT" | "BINARY_ACK";

/** What an adapter may report (e.g. the Redis adapter: requests, timeouts, whether Redis is reachable). */
export type AdapterMetrics = Readonly<Record<string, number | boolean>>;

/** What `io.metrics()` returns: a copy, safe to keep. */
export interface MetricsSnapshot {
  /**
   * The engine's figures (sessions by transport, handshakes, upgrades, refused requests, messages
   * and bytes). Undefined when the server is bound to an engine that keeps none (not Sockline's).
   */
  engine: EngineMetricsSnapshot | undefined;
  /** Sockets connected now, by namespace, and by the transport their connection is on. */
  namespaces: Record<string, NamespaceMetrics>;
  /** Sockets disconnected, by reason ("client namespace disconnect", "transport close", "ping timeout"...). */
  disconnects: Record<string, number>;
  /** Socket.IO packets received and written, by type (a broadcast counts one per recipient). */
  packets: { in: Record<PacketTypeName, number>; out: Record<PacketTypeName, number> };
  /**
   * Broadcasts written by this node's adapters (every `io.emit`, `io.to(room).emit`, a broadcast
   * received from another node; with connection state recovery on, every `socket.emit` too: it
   * goes through the adapter to be logged for replay), and the copies they were written to.
   */
  broadcasts: number;
  deliveries: number;
  /**
   * Acknowledgements the server asked of clients: asked (`sent`), answered, timed out (an emit with
   * `timeout()`), and still awaited now (`pending`).
   */
  acks: { sent: number; answered: number; timedOut: number; pending: number };
  /** Connection state recovery: CONNECTs that carried a session to restore, and sessions restored. */
  recovery: { attempts: number; successes: number };
  /** Every limit reached, by limit name (from `io.diagnostics`, see `Diagnostics.counts()`). */
  limits: Record<string, number>;
  /** Every protocol violation, by name (from `io.diagnostics`). */
  violations: Record<string, number>;
  /**
   * Requests of sessions another node owns that could not be forwarded (the owner gone or silent),
   * by name (from `io.diagnostics`; see `docs/session-routing.md`).
   */
  routingFailures: Record<string, number>;
  /** Figures of the namespaces' adapters that keep some (`adapter.metrics()`), by namespace. */
  adapters: Record<string, AdapterMetrics>;
}

export interface NamespaceMetrics {
  sockets: number;
  /** `{ websocket: 2, polling: 1 }`: the sockets by their connection's transport now. */
  transports: Record<string, number>;
}

const PACKET_TYPES = 7;

/** Acknowledgement counters, shared by every socket's ack table (read them with `io.metrics()`). */
export interface AckCounters {
  sent: number;
  answered: number;
  timedOut: number;
}

/** The counters of one Socket.IO server (read them with `io.metrics()`). */
export class ServerMetrics {
  readonly packetsIn: number[] = new Array<number>(PACKET_TYPES).fill(0);
  readonly packetsOut: number[] = new Array<number>(PACKET_TYPES).fill(0);
  broadcasts = 0;
  deliveries = 0;
  readonly acks: AckCounters = { sent: 0, answered: 0, timedOut: 0 };
  recoveryAttempts = 0;
  recoverySuccesses = 0;
  /** By reason: a socket disconnects once, a Map lookup there is cheap enough. */
  private readonly disconnectReasons = new Map<string, number>();

  /** A packet received; `type` is checked (a custom parser may hand anything). */
  packetIn(type: number): void {
    if (type >= 0 && type < PACKET_TYPES) this.packetsIn[type]!++;
  }

  packetOut(type: number, copies = 1): void {
    if (type >= 0 && type < PACKET_TYPES) this.packetsOut[type]! += copies;
  }

  broadcast(type: number, recipients: number): void {
    this.broadcasts++;
    this.deliveries += recipients;
    this.packetOut(type, recipients);
  }

  disconnected(reason: string): void {
    this.disconnectReasons.set(reason, (this.disconnectReasons.get(reason) ?? 0) + 1);
  }

  disconnects(): Record<string, number> {
    return Object.fromEntries(this.disconnectReasons);
  }
}

/** What the snapshot reads from the server (the server passes itself: this module does not import it). */
export interface MetricsSource {
  readonly _metrics: ServerMetrics;
  readonly diagnostics: { counts(): DiagnosticCounts };
  readonly engine: { metrics?(): EngineMetricsSnapshot } | undefined;
  readonly _nsps: ReadonlyMap<
    string,
    {
      readonly sockets: ReadonlyMap<
        string,
        { readonly _pendingAcks: number; readonly conn: { readonly transport?: { readonly name: string } } }
      >;
      /** Any adapter; one with a `metrics()` method has its figures in the snapshot. */
      readonly adapter: object;
    }
  >;
}

export function metricsSnapshot(source: MetricsSource): MetricsSnapshot {
  const counters = source._metrics;
  const namespaces: Record<string, NamespaceMetrics> = {};
  const adapters: Record<string, AdapterMetrics> = {};
  let pending = 0;
  for (const [name, nsp] of source._nsps) {
    const transports: Record<string, number> = {};
    for (const socket of nsp.sockets.values()) {
      pending += socket._pendingAcks;
      const transport = socket.conn.transport?.name ?? "unknown";
      transports[transport] = (transports[transport] ?? 0) + 1;
    }
    namespaces[name] = { sockets: nsp.sockets.size, transports };
    const adapter = nsp.adapter as { metrics?: () => AdapterMetrics };
    const adapterMetrics = typeof adapter.metrics === "function" ? adapter.metrics() : undefined;
    if (adapterMetrics !== undefined) adapters[name] = adapterMetrics;
  }
  const diagnostics = source.diagnostics.counts();
  const engine = source.engine;
  return {
    engine: typeof engine?.metrics === "function" ? engine.metrics() : undefined,
    namespaces,
    disconnects: counters.disconnects(),
    packets: { in: byTypeName(counters.packetsIn), out: byTypeName(counters.packetsOut) },
    broadcasts: counters.broadcasts,
    deliveries: counters.deliveries,
    acks: { ...counters.acks, pending },
    recovery: { attempts: counters.recoveryAttempts, successes: counters.recoverySuccesses },
    limits: diagnostics.limit,
    violations: diagnostics.violation,
    routingFailures: diagnostics.routing,
    adapters,
  };
}

function byTypeName(counts: readonly number[]): Record<PacketTypeName, number> {
  const named = {} as Record<PacketTypeName, number>;
  for (let type = 0; type < PACKET_TYPES; type++) named[PACKET_TYPE_NAMES[type] as PacketTypeName] = counts[type]!;
  return named;
}
