/**
 * Diagnostics into a framework's logger, rate-limited: a flood of hostile clients must not become
 * a flood of log lines (the log would then be the denial of service). Each mount passes its own
 * logger's warn function; this module decides what gets through.
 */
import type { Diagnostic, Diagnostics } from "../engine/diagnostics.js";

/** Writes one warn-level line: the structured report and a readable message. */
export type DiagnosticWarn = (diagnostic: Diagnostic | DiagnosticsSuppressed, message: string) => void;

/** Logged once per window in which reports were dropped by the rate limit. */
export interface DiagnosticsSuppressed {
  kind: "suppressed";
  /** Reports not logged in the window that just ended. */
  suppressed: number;
  /** Length of that window in ms. */
  windowMs: number;
}

export interface DiagnosticLogOptions {
  /** Reports logged per window; the rest are counted and summed up in one line. Default 10. */
  perWindow?: number;
  /** Window length in ms. Default 10,000. */
  windowMs?: number;
}

/** The line a mount logs for `diagnostic`, e.g. `sockline limit maxBufferedBytes: ... (connection closed)`. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const who = [diagnostic.sid && `sid ${diagnostic.sid}`, diagnostic.remoteAddress && `from ${diagnostic.remoteAddress}`]
    .filter(Boolean)
    .join(" ");
  return `sockline ${diagnostic.kind} ${diagnostic.name}: ${diagnostic.message}${who ? ` [${who}]` : ""} (${diagnostic.action})`;
}

/**
 * Lines written through `warn`, at most `perWindow` per window; the rest are counted and summed up
 * in one line when the next window opens (or at `flush()`). `what` names them in that line
 * ("diagnostics", "connection errors"). Shared by every mount's logging of what clients cause.
 */
export class RateLimitedWarn<T> {
  private readonly perWindow: number;
  private readonly windowMs: number;
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly warn: (payload: T | DiagnosticsSuppressed, message: string) => void,
    private readonly what: string,
    options: DiagnosticLogOptions = {},
  ) {
    this.perWindow = options.perWindow ?? 10;
    this.windowMs = options.windowMs ?? 10_000;
  }

  /** Writes the line, unless this window's quota is used up (then it is counted). */
  write(payload: T, message: string): void {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged >= this.perWindow) {
      this.suppressed++;
      return;
    }
    this.logged++;
    this.warn(payload, message);
  }

  /** Writes the summary of the lines not written, if any. */
  flush(): void {
    if (this.suppressed === 0) return;
    const summary: DiagnosticsSuppressed = { kind: "suppressed", suppressed: this.suppressed, windowMs: this.windowMs };
    this.suppressed = 0;
    this.warn(summary, `sockline: ${summary.suppressed} more ${this.what} not logged in the last ${this.windowMs} ms (rate limit)`);
  }
}

/**
 * Logs the reports of `diagnostics` through `warn`, at most `perWindow` per window. Returns the
 * function that stops it (the mount calls it when the app closes).
 */
export function logDiagnostics(diagnostics: Diagnostics, warn: DiagnosticWarn, options: DiagnosticLogOptions = {}): () => void {
  const lines = new RateLimitedWarn<Diagnostic>(warn, "diagnostics", options);
  const listener = (diagnostic: Diagnostic) => lines.write(diagnostic, formatDiagnostic(diagnostic));
  diagnostics.on("diagnostic", listener);
  return () => {
    diagnostics.off("diagnostic", listener);
    lines.flush();
  };
}
