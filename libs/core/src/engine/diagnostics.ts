/**
 * Diagnostics: one structured report for every refusal the server makes on its own (a limit
 * reached, a protocol violation), so that an operator can see why a client was dropped. It is the
 * single source of truth that the framework mounts log from (and that metrics build on).
 *
 * One `Diagnostics` object is shared by a Socket.IO server and every engine it creates: listen with
 * `io.diagnostics.on("diagnostic", fn)` (or `engine.diagnostics` for the engine alone). Reporting
 * costs one `listenerCount` check when nobody listens; callers on hot paths check `active` first so
 * they do not even build the report.
 *
 * Every report is also counted, by kind and name (`counts()`): the metrics' "limit hits" and
 * "violations" are these counts, so they can never disagree with what was reported.
 */
import { EventEmitter } from "node:events";
import createDebug from "debug";

const debug = createDebug("sockline:diagnostics");

/**
 * A configured bound was reached ("limit"), the peer broke the protocol ("violation"), or a request
 * of a session another node owns could not be forwarded to it ("routing": the owner is gone, or did
 * not answer; see `docs/session-routing.md`).
 */
export type DiagnosticKind = "limit" | "violation" | "routing";

export interface Diagnostic {
  kind: DiagnosticKind;
  /**
   * Which limit (its option name, e.g. `maxBufferedBytes`, `maxPacketsPerPayload`) or which
   * violation (a short stable name, e.g. `invalid-packet`, `invalid-heartbeat`).
   */
  name: string;
  /** One line for a human, with the figures in it. */
  message: string;
  /** What the server did about it, e.g. "connection closed", "request refused (413)", "packet dropped". */
  action: string;
  /** Engine session id, when the event concerns a session. */
  sid?: string;
  /** Remote address of the peer (the TCP peer: proxies are not looked through). */
  remoteAddress?: string;
  /** Transport of the connection, when known. */
  transport?: string;
  /** Socket.IO namespace, when the event concerns one. */
  nsp?: string;
  /** Socket.IO or Engine.IO packet type, when a packet caused it. */
  packetType?: string;
  /** The figure observed (bytes, packets, count...). */
  value?: number;
  /** The bound it was measured against. */
  limit?: number;
}

export interface DiagnosticsEvents {
  diagnostic: [diagnostic: Diagnostic];
}

/** How many reports of each name were made, by kind: `{ limit: { maxBufferedBytes: 2 }, violation: {...}, routing: {...} }`. */
export type DiagnosticCounts = Record<DiagnosticKind, Record<string, number>>;

export class Diagnostics extends EventEmitter<DiagnosticsEvents> {
  /** Reports by kind, then name (a refusal is rare: a Map lookup per report costs nothing worth saving). */
  private readonly counted: Record<DiagnosticKind, Map<string, number>> = { limit: new Map(), violation: new Map(), routing: new Map() };

  /** Whether anyone listens: callers may skip building a report when not. */
  get active(): boolean {
    return this.listenerCount("diagnostic") > 0;
  }

  /** Reports `diagnostic` to the listeners (and to `DEBUG=sockline:diagnostics`). Never throws. */
  report(diagnostic: Diagnostic): void {
    debug("%s %s (%s): %s", diagnostic.kind, diagnostic.name, diagnostic.action, diagnostic.message);
    const byName = this.counted[diagnostic.kind] as Map<string, number> | undefined;
    if (byName !== undefined) byName.set(diagnostic.name, (byName.get(diagnostic.name) ?? 0) + 1);
    if (!this.active) return;
    try {
      this.emit("diagnostic", diagnostic);
    } catch (err) {
      // a broken listener must not turn a refusal into a crash of the connection's code path
      debug("a diagnostic listener threw: %s", err);
    }
  }

  /** The reports made so far, counted by kind and name (a copy). */
  counts(): DiagnosticCounts {
    const { limit, violation, routing } = this.counted;
    return { limit: Object.fromEntries(limit), violation: Object.fromEntries(violation), routing: Object.fromEntries(routing) };
  }
}
