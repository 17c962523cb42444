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
 * Logs the reports of `diagnostics` through `warn`, at most `perWindow` per window. Returns the
 * function that stops it (the mount calls it when the app closes).
 */
export function logDiagnostics(diagnostics: Diagnostics, warn: DiagnosticWarn, options: DiagnosticLogOptions = {}): () => void {
  const perWindow = options.perWindow ?? 10;
  const windowMs = options.windowMs ?? 10_000;
  let windowStart = 0;
  let logged = 0;
  let suppressed = 0;
  const flushSuppressed = () => {
    if (suppressed === 0) return;
    const summary: DiagnosticsSuppressed = { kind: "suppressed", suppressed, windowMs };
    warn(summary, `sockline: ${suppressed} more diagnostics not logged in the last ${windowMs} ms (rate limit)`);
    suppressed = 0;
  };
  const listener = (diagnostic: Diagnostic) => {
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      flushSuppressed();
      windowStart = now;
      logged = 0;
    }
    if (logged >= perWindow) {
      suppressed++;
      return;
    }
    logged++;
    warn(diagnostic, formatDiagnostic(diagnostic));
  };
  diagnostics.on("diagnostic", listener);
  return () => {
    diagnostics.off("diagnostic", listener);
    flushSuppressed();
  };
}
