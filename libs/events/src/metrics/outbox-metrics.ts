import type { Counter, Gauge } from 'prom-client';
import type { OutboxStats } from '../bus/ports/event-outbox.port';
import type { PromClient } from './prom-client.loader';

type CounterField = 'batches' | 'published' | 'failures';

/** The relay's counters, by metric name. */
const COUNTERS: readonly (readonly [string, CounterField, string])[] = [
  ['events_outbox_relay_batches_total', 'batches', 'Batches of outbox rows this process relayed'],
  ['events_outbox_published_total', 'published', 'Outbox rows this process delivered (then deleted)'],
  [
    'events_outbox_relay_failures_total',
    'failures',
    'Outbox rows whose delivery failed in this process (kept, retried with backoff)',
  ],
];

/**
 * The outbox's metrics, read from its store and relay once per scrape: `events_outbox_rows` (rows waiting),
 * `events_outbox_oldest_age_seconds` (0 when none waits), and the relay's `events_outbox_relay_batches_total`,
 * `events_outbox_published_total` and `events_outbox_relay_failures_total`. Counters are set from the relay's
 * absolute totals. When the store cannot be read the gauges are left out of that scrape.
 */
export function outboxMetrics(
  prom: PromClient,
  name: (base: string) => string,
  read: () => Promise<OutboxStats>,
): (Counter<string> | Gauge<string>)[] {
  let scrape: Promise<OutboxStats | undefined> | undefined;
  // Every collect callback of one scrape starts in the same tick: they share one read.
  const stats = (): Promise<OutboxStats | undefined> => {
    if (scrape === undefined) {
      scrape = read().catch(() => undefined);
      setImmediate(() => (scrape = undefined));
    }
    return scrape;
  };
  const rows: Gauge = new prom.Gauge({
    name: name('events_outbox_rows'),
    help: 'Outbox rows waiting to be delivered',
    registers: [],
    collect: async () => {
      const current = await stats();
      rows.reset();
      if (current !== undefined) rows.set(current.rows);
    },
  });
  const oldest: Gauge = new prom.Gauge({
    name: name('events_outbox_oldest_age_seconds'),
    help: 'Age of the oldest outbox row waiting to be delivered (0 when none waits)',
    registers: [],
    collect: async () => {
      const current = await stats();
      oldest.reset();
      if (current === undefined) return;
      const { oldestAt } = current;
      oldest.set(oldestAt === undefined ? 0 : Math.max(0, Date.now() - oldestAt.getTime()) / 1000);
    },
  });
  const counters = COUNTERS.map(([metric, field, help]) => {
    const counter: Counter = new prom.Counter({
      name: name(metric),
      help,
      registers: [],
      collect: async () => {
        const current = await stats();
        counter.reset();
        if (current !== undefined) counter.inc(current[field]);
      },
    });
    return counter;
  });
  return [rows, oldest, ...counters];
}
