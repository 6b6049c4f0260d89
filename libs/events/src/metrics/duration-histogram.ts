import { DurationBuckets } from '../bus/duration-buckets';

export { DurationBuckets };

/** One labelled series of a `DurationHistogram`. */
export interface DurationSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: DurationBuckets;
}

interface SampleValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A Prometheus histogram in prom-client's metric protocol (`name`, `help`, `type`, `get()`, `reset()`), whose
 * series are read from bucket counts this module keeps itself. prom-client's own `Histogram.observe()` hashes and
 * validates the labels on every call, too slow for every handler attempt (figures in docs/benchmarks.md); counting
 * into a `DurationBuckets` is plain arithmetic, and the exposition is built only when the registry is scraped.
 */
export class DurationHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    private readonly series: () => Iterable<DurationSeries>,
  ) {}

  /** The histogram in prom-client's `MetricObjectWithValues` shape: cumulative buckets, then sum and count. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: SampleValue[];
  }> {
    const values: SampleValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, buckets } of this.series()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += buckets.counts[i];
        values.push({ labels: { ...labels, le: this.bounds[i] }, value: cumulative, metricName: bucketName });
      }
      values.push({ labels: { ...labels, le: '+Inf' }, value: buckets.count, metricName: bucketName });
      values.push({ labels: { ...labels }, value: buckets.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: buckets.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** `registry.resetMetrics()` support: zeroes every series. */
  reset(): void {
    for (const { buckets } of this.series()) buckets.reset();
  }
}
