/**
 * What a session (the engine `Socket`) needs from its server, and nothing more. The server hands
 * every session this context instead of itself, as it hands transports a `TransportContext`: the
 * session module then depends on no server module.
 */
import type { Diagnostics } from "./diagnostics.js";
import type { EngineMetrics } from "./metrics.js";
import type { HeartbeatEntry, HeartbeatScheduler } from "./heartbeat.js";
import type { ResolvedOptions, TransportName } from "./options.js";
import type { Packet } from "./packet.js";

export interface SessionContext<S extends HeartbeatEntry> {
  readonly opts: ResolvedOptions;
  /** Where the session reports its refusals (see `Diagnostics`). */
  readonly diagnostics: Diagnostics;
  /** The server's counters (see `metrics.ts`): sessions bump them on paths that already run. */
  readonly metrics: EngineMetrics;
  /** The server's one heartbeat timer, shared by every session (the session only queues itself). */
  readonly heartbeat: Pick<HeartbeatScheduler<S>, "schedulePing" | "expectPong" | "expectClientPing" | "isWaitingForPong" | "remove">;
  /** The transports a session opened over `transport` may upgrade to (the handshake's `upgrades`). */
  upgradesFor(transport: TransportName): TransportName[];
  /** The session is closed: the server forgets it. */
  sessionClosed(session: S): void;
  /** The session handed its buffer to the transport (the server's "flush" event). */
  sessionFlushed(session: S, buffer: Packet[]): void;
  /** The session's buffer is empty again (the server's "drain" event). */
  sessionDrained(session: S): void;
}
