/**
 * The handler-duration histogram of the Prometheus export, kept by hand: an observation is a bucket
 * search over a dozen numbers and three additions on the series of its (namespace, event), found
 * in two Maps. prom-client's `Histogram.observe` hashes its label object on every call (about a
 * microsecond), which on an echo server is a few percent of the work per event; this keeps the
 * cost of `handlerTimings` far below that.
 *
 * It is registered on a prom-client registry as a metric object: the registry reads `name`,
 * `help`, `type`, `aggregator` and calls `get()` at each scrape, which returns the samples in
 * prom-client's shape (`_bucket` with `le`, cumulative; `_sum`; `_count`).
 */

interface Series {
  /** Observations per bucket (not cumulative), the last one for +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export class HandlerDurations {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly byNamespace = new Map<string, Map<string, Series>>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds in seconds, ascending. */
    private readonly buckets: readonly number[],
  ) {}

  observe(namespace: string, event: string, seconds: number): void {
    let byEvent = this.byNamespace.get(namespace);
    if (byEvent === undefined) this.byNamespace.set(namespace, (byEvent = new Map()));
    let series = byEvent.get(event);
    if (series === undefined)
      byEvent.set(event, (series = { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && seconds > buckets[i]!) i++;
    series.counts[i]!++;
    series.sum += seconds;
    series.count++;
  }

  /** The samples, as prom-client's registry formats them. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const [namespace, byEvent] of this.byNamespace) {
      for (const [event, series] of byEvent) {
        let cumulative = 0;
        for (let i = 0; i <= this.buckets.length; i++) {
          cumulative += series.counts[i]!;
          const le = i < this.buckets.length ? this.buckets[i]! : "+Inf";
          values.push({ labels: { namespace, event, le }, value: cumulative, metricName: `${this.name}_bucket` });
        }
        values.push({ labels: { namespace, event }, value: series.sum, metricName: `${this.name}_sum` });
        values.push({ labels: { namespace, event }, value: series.count, metricName: `${this.name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.byNamespace.clear();
  }
}
