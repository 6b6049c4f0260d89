import { Registry } from 'prom-client';
import { DurationBuckets, DurationHistogram, type DurationSeries } from './duration-histogram';

function histogram(series: DurationSeries[]) {
  const registry = new Registry();
  const metric = new DurationHistogram('job_seconds', 'How long jobs take', [0.1, 1], () => series);
  registry.registerMetric(metric as never);
  return registry;
}

describe('DurationHistogram', () => {
  it('is exposed by a prom-client registry as a histogram with cumulative buckets, sum and count', async () => {
    const buckets = new DurationBuckets([0.1, 1]);
    for (const seconds of [0.05, 0.1, 0.5, 1, 3]) buckets.observe(seconds);
    const registry = histogram([{ labels: { type: 'a.b', handler: 'H.h' }, buckets }]);
    expect(await registry.metrics()).toBe(
      [
        '# HELP job_seconds How long jobs take',
        '# TYPE job_seconds histogram',
        'job_seconds_bucket{type="a.b",handler="H.h",le="0.1"} 2',
        'job_seconds_bucket{type="a.b",handler="H.h",le="1"} 4',
        'job_seconds_bucket{type="a.b",handler="H.h",le="+Inf"} 5',
        'job_seconds_sum{type="a.b",handler="H.h"} 4.65',
        'job_seconds_count{type="a.b",handler="H.h"} 5',
        '',
      ].join('\n'),
    );
  });

  it('shows a series with zero counts before its first observation', async () => {
    const registry = histogram([{ labels: { handler: 'idle' }, buckets: new DurationBuckets([0.1, 1]) }]);
    const text = await registry.metrics();
    expect(text).toContain('job_seconds_bucket{handler="idle",le="+Inf"} 0');
    expect(text).toContain('job_seconds_count{handler="idle"} 0');
  });

  it('is zeroed by registry.resetMetrics()', async () => {
    const buckets = new DurationBuckets([0.1, 1]);
    buckets.observe(0.5);
    const registry = histogram([{ labels: { handler: 'h' }, buckets }]);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('job_seconds_count{handler="h"} 0');
    expect(buckets.sum).toBe(0);
  });

  it('is listed by getMetricsAsJSON() like any prom-client metric', async () => {
    const buckets = new DurationBuckets([0.1, 1]);
    buckets.observe(2);
    const [metric] = await histogram([{ labels: { handler: 'h' }, buckets }]).getMetricsAsJSON();
    expect(metric).toMatchObject({ name: 'job_seconds', type: 'histogram', aggregator: 'sum' });
    expect(metric.values).toContainEqual({
      labels: { handler: 'h', le: '+Inf' },
      value: 1,
      metricName: 'job_seconds_bucket',
    });
  });
});
