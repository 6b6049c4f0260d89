import type { Counter, Gauge } from 'prom-client';
import type { TransportStats } from '../bus/ports/event-transport.port';
import type { PromClient } from './prom-client.loader';

type Stats = TransportStats & { transport: string };

/** The entry counts a transport reports, by the `action` label they get. */
const ACTIONS = {
  published: 'published',
  consumed: 'consumed',
  acked: 'acked',
  retried: 'retried',
  deadLettered: 'dead_lettered',
  claimed: 'claimed',
  dropped: 'dropped',
} as const satisfies Partial<Record<keyof TransportStats, string>>;

/**
 * The remote transport's metrics, read from it once per scrape: `events_transport_entries_total{action}`,
 * `events_transport_reconnects_total`, `events_transport_in_flight` and `events_transport_lag{channel}` (entries
 * the service's group has not read yet). Counters are set from the transport's absolute totals.
 */
export function transportMetrics(
  prom: PromClient,
  name: (base: string) => string,
  read: () => Promise<Stats | undefined>,
): (Counter<string> | Gauge<string>)[] {
  let scrape: Promise<Stats | undefined> | undefined;
  // Every collect callback of one scrape starts in the same tick: they share one read.
  const stats = (): Promise<Stats | undefined> => {
    if (scrape === undefined) {
      scrape = read().catch(() => undefined);
      setImmediate(() => (scrape = undefined));
    }
    return scrape;
  };
  const entries: Counter<'transport' | 'action'> = new prom.Counter({
    name: name('events_transport_entries_total'),
    help: 'Entries the transport published, consumed, acknowledged, retried, dead-lettered, claimed or dropped',
    labelNames: ['transport', 'action'] as const,
    registers: [],
    collect: async () => {
      const current = await stats();
      entries.reset();
      if (current === undefined) return;
      for (const [field, action] of Object.entries(ACTIONS)) {
        entries.inc({ transport: current.transport, action }, current[field as keyof typeof ACTIONS]);
      }
    },
  });
  const reconnects: Counter<'transport'> = new prom.Counter({
    name: name('events_transport_reconnects_total'),
    help: 'Times the transport reconnected to its server',
    labelNames: ['transport'] as const,
    registers: [],
    collect: async () => {
      const current = await stats();
      reconnects.reset();
      if (current !== undefined) reconnects.inc({ transport: current.transport }, current.reconnects);
    },
  });
  const inFlight: Gauge<'transport'> = new prom.Gauge({
    name: name('events_transport_in_flight'),
    help: 'Entries this process is handling right now',
    labelNames: ['transport'] as const,
    registers: [],
    collect: async () => {
      const current = await stats();
      inFlight.reset();
      if (current !== undefined) inFlight.set({ transport: current.transport }, current.inFlight);
    },
  });
  const lag: Gauge<'transport' | 'channel'> = new prom.Gauge({
    name: name('events_transport_lag'),
    help: "Entries the service's consumer group has not read yet, per channel",
    labelNames: ['transport', 'channel'] as const,
    registers: [],
    collect: async () => {
      const current = await stats();
      lag.reset();
      if (current === undefined) return;
      for (const [channel, count] of Object.entries(current.lag)) {
        lag.set({ transport: current.transport, channel }, count);
      }
    },
  });
  return [entries, reconnects, inFlight, lag];
}
