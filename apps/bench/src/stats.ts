// Small statistics helpers shared by the load generator and the report.

/** Median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Latency recorder with bounded memory: keeps at most `capacity` samples by reservoir sampling,
 * so a long or fast run cannot grow the load generator's heap without limit.
 */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private stored = 0;
  private seen = 0;

  constructor(private readonly capacity = 500_000) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.seen++;
    if (this.stored < this.capacity) {
      this.samples[this.stored++] = ms;
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.capacity) this.samples[slot] = ms;
  }

  get count(): number {
    return this.seen;
  }

  /** Percentile in [0, 100] of the recorded samples (NaN when none). */
  percentile(p: number): number {
    if (this.stored === 0) return Number.NaN;
    const sorted = this.samples.slice(0, this.stored).sort();
    const rank = Math.min(this.stored - 1, Math.max(0, Math.ceil((p / 100) * this.stored) - 1));
    return sorted[rank]!;
  }
}

/** Milliseconds on a clock shared by all processes of the machine (high resolution). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Round to a few significant digits for readable JSON. */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const scale = 10 ** Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}
