import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { EventBusService } from '../bus/event-bus.service';
import { EventsConfigError } from '../errors/events-config.error';
import { defineEvent } from '../event/event-definition';
import type { EventsModuleOptions } from '../module/events-module.options';
import { BusMetricsCollector } from './bus-metrics.collector';
import { resolveMetricsOptions } from './metrics.options';
import { loadPromClient } from './prom-client.loader';

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A bus with metrics in a registry of the test's own; the collector is attached like EventMetrics does. */
function setup(options: EventsModuleOptions = {}, metrics: EventsModuleOptions['metrics'] = {}) {
  const registry = new Registry();
  const bus = new EventBusService(options);
  const warnings: string[] = [];
  const settings = resolveMetricsOptions({ registry, ...metrics });
  if (!settings) throw new Error('metrics should be on');
  const collector = new BusMetricsCollector(loadPromClient(), bus, settings, (m) => warnings.push(m));
  bus.addObserver(collector);
  return { bus, registry, collector, warnings, settings };
}

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.values as Sample[];
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await samples(registry, name)).filter(
    (s) =>
      Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
      Object.keys(s.labels).length === Object.keys(labels).length,
  );
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0].value;
}

beforeAll(() => {
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterAll(() => jest.restoreAllMocks());

describe('BusMetricsCollector', () => {
  it('counts emitted events per type and handler outcomes per type and handler', async () => {
    const { bus, registry } = setup();
    bus.on('user.created', () => undefined, { name: 'Welcome.send' });
    bus.on('user.*', () => undefined, { name: 'Audit.log' });
    bus.on(
      'user.deleted',
      () => {
        throw new Error('boom');
      },
      { name: 'Cleanup.run' },
    );
    for (let i = 0; i < 3; i++) bus.emit('user.created', { i });
    bus.emit('user.deleted', { id: 1 });
    bus.emit('user.deleted', { id: 2 });

    expect(await value(registry, 'events_emitted_total', { type: 'user.created' })).toBe(3);
    expect(await value(registry, 'events_emitted_total', { type: 'user.deleted' })).toBe(2);
    // Each dead letter announces itself as event.handler.failed.
    expect(await value(registry, 'events_emitted_total', { type: 'event.handler.failed' })).toBe(2);
    const handled = (type: string, handler: string, outcome: string) =>
      value(registry, 'events_handled_total', { type, handler, outcome });
    expect(await handled('user.created', 'Welcome.send', 'success')).toBe(3);
    expect(await handled('user.created', 'Welcome.send', 'failure')).toBe(0);
    expect(await handled('user.created', 'Audit.log', 'success')).toBe(3);
    expect(await handled('user.deleted', 'Audit.log', 'success')).toBe(2);
    expect(await handled('user.deleted', 'Cleanup.run', 'failure')).toBe(2);
    expect(await handled('user.deleted', 'Cleanup.run', 'success')).toBe(0);
    expect(
      await value(registry, 'events_dead_letters_total', { type: 'user.deleted', handler: 'Cleanup.run' }),
    ).toBe(2);
    expect(await value(registry, 'events_history_size')).toBe(7);
  });

  it('reports the same totals as stats()', async () => {
    const { bus, registry } = setup({ retry: { attempts: 2, backoffMs: 1, jitter: 0 } });
    let calls = 0;
    bus.on('order.placed', () => undefined, { name: 'Mailer.send' });
    bus.on(
      'order.placed',
      async () => {
        calls++;
        if (calls % 3 === 0) throw new Error('flaky');
      },
      { name: 'Stock.reserve' },
    );
    for (let i = 0; i < 10; i++) bus.emit('order.placed', { i });
    await bus.drain(5000);

    const stats = bus.stats();
    const handled = await samples(registry, 'events_handled_total');
    const sum = (filter: (s: Sample) => boolean) => handled.filter(filter).reduce((n, s) => n + s.value, 0);
    expect(sum((s) => s.labels.outcome === 'success')).toBe(stats.handled);
    expect(sum((s) => s.labels.outcome === 'failure')).toBe(stats.failed);
    for (const [name, figures] of Object.entries(stats.handlers)) {
      expect(sum((s) => s.labels.handler === name)).toBe(figures.calls);
      expect(sum((s) => s.labels.handler === name && s.labels.outcome === 'failure')).toBe(figures.failures);
    }
    const emitted = (await samples(registry, 'events_emitted_total')).reduce((n, s) => n + s.value, 0);
    expect(emitted).toBe(stats.emitted);
    const dead = (await samples(registry, 'events_dead_letters_total')).reduce((n, s) => n + s.value, 0);
    expect(dead).toBe(stats.deadLetters);
    expect(await value(registry, 'events_in_flight')).toBe(0);
  });

  it('shows handlers running right now as in flight', async () => {
    const { bus, registry } = setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    bus.on('job.started', () => gate, { name: 'Slow.run' });
    bus.emit('job.started', {});
    bus.emit('job.started', {});
    expect(await value(registry, 'events_in_flight')).toBe(2);
    release();
    await bus.drain(1000);
    expect(await value(registry, 'events_in_flight')).toBe(0);
  });

  it('observes durations of async handlers in the histogram, with every bucket present', async () => {
    const { bus, registry } = setup({}, { buckets: [0.001, 0.1, 5] });
    bus.on('file.uploaded', async () => undefined, { name: 'Thumbs.make' });
    bus.on('file.uploaded', () => undefined, { name: 'Sync.note' });
    for (let i = 0; i < 4; i++) bus.emit('file.uploaded', {});
    await bus.drain(1000);
    const histogram = await samples(registry, 'events_handler_duration_seconds');
    const series = (handler: string) =>
      histogram.filter((s) => s.labels.handler === handler && s.labels.type === 'file.uploaded');
    const buckets = series('Thumbs.make').filter(
      (s) => s.metricName === 'events_handler_duration_seconds_bucket',
    );
    expect(buckets.map((s) => s.labels.le)).toEqual([0.001, 0.1, 5, '+Inf']);
    const count = series('Thumbs.make').find((s) => s.metricName === 'events_handler_duration_seconds_count');
    expect(count?.value).toBe(4);
    // A synchronous handler gets its series from the start even before a sampled timing lands in it.
    expect(series('Sync.note').some((s) => s.metricName === 'events_handler_duration_seconds_count')).toBe(
      true,
    );
  });

  it('folds undeclared types beyond maxTypes into "other", warning once, while declared types keep their label', async () => {
    const Declared = defineEvent<{ n: number }>('billing.charged');
    const { bus, registry, warnings } = setup({ definitions: [Declared] }, { maxTypes: 2 });
    bus.on('**', () => undefined, { name: 'Everything.seen' });
    for (const type of ['a.one', 'a.two', 'a.three', 'a.four', 'a.three']) bus.emit(type, {});
    bus.emit(Declared, { n: 1 });

    const emitted = await samples(registry, 'events_emitted_total');
    const byType = Object.fromEntries(emitted.map((s) => [s.labels.type, s.value]));
    expect(byType).toEqual({ 'a.one': 1, 'a.two': 1, other: 3, 'billing.charged': 1 });
    expect(
      await value(registry, 'events_handled_total', {
        type: 'other',
        handler: 'Everything.seen',
        outcome: 'success',
      }),
    ).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('metrics.maxTypes');
  });

  it('gives a folded type its own series once a definition declares it, for the outcomes that follow', async () => {
    const { bus, registry } = setup({}, { maxTypes: 1 });
    bus.on('**', () => undefined, { name: 'Everything.seen' });
    bus.emit('a.one', {});
    bus.emit('a.late', {});
    bus.emit('a.late', {});
    bus.register(defineEvent('a.late'));
    bus.emit('a.late', {});

    const handled = (type: string) =>
      value(registry, 'events_handled_total', { type, handler: 'Everything.seen', outcome: 'success' });
    expect(await handled('other')).toBe(2);
    expect(await handled('a.late')).toBe(1);
    expect(await handled('a.one')).toBe(1);
  });

  it('puts the prefix before every metric name', async () => {
    const { bus, registry } = setup({}, { prefix: 'shop_' });
    bus.emit('cart.emptied', {});
    expect(await value(registry, 'shop_events_emitted_total', { type: 'cart.emptied' })).toBe(1);
    expect((await registry.getMetricsAsJSON()).every((m) => m.name.startsWith('shop_'))).toBe(true);
  });

  it('refuses a registry that already holds its metrics, and frees the names on dispose()', () => {
    const { bus, registry, collector, settings } = setup();
    const again = () => new BusMetricsCollector(loadPromClient(), bus, settings, () => undefined);
    expect(again).toThrow(EventsConfigError);
    expect(again).toThrow(/metrics\.prefix/);
    collector.dispose();
    expect(registry.getMetricsAsArray()).toHaveLength(0);
    expect(again).not.toThrow();
  });

  it('counts audit writes only when the audit trail is on', async () => {
    const { bus, registry, settings } = setup();
    const withAudit = new Registry();
    const collector = new BusMetricsCollector(
      loadPromClient(),
      bus,
      { ...settings, registry: withAudit },
      () => undefined,
    );
    collector.auditStarted(() => 7);
    collector.auditWritten(20, 4, 'success');
    collector.auditWritten(5, 2, 'failure');
    expect(await value(withAudit, 'events_audit_records_total', { outcome: 'success' })).toBe(20);
    expect(await value(withAudit, 'events_audit_records_total', { outcome: 'failure' })).toBe(5);
    expect(await value(withAudit, 'events_audit_buffered_records')).toBe(7);
    const count = (await samples(withAudit, 'events_audit_write_duration_seconds')).find(
      (s) => s.metricName === 'events_audit_write_duration_seconds_count',
    );
    expect(count?.value).toBe(2);
    expect((await registry.getMetricsAsJSON()).some((m) => m.name.startsWith('events_audit'))).toBe(false);
  });
});
