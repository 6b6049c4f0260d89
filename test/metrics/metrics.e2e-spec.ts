import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  EventBusService,
  EventMetrics,
  EventsModule,
  MetricsDisabledError,
  type EventsModuleOptions,
} from 'nestjs-event-bus';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { OrderPlaced, OrderShipped, SHOP_LISTENERS } from './fixtures/shop.fixture';
import { scrape } from './support/prometheus-text';
import { PLATFORMS, startApp, type RunningApp } from './support/start-app';
import { until } from '../support/wait';

const DEFAULT_BUCKETS = [
  '0.0005',
  '0.001',
  '0.0025',
  '0.005',
  '0.01',
  '0.025',
  '0.05',
  '0.1',
  '0.25',
  '0.5',
  '1',
  '2.5',
  '5',
  '10',
  '+Inf',
];

/** 7 orders placed (2 of them fail in Stock.reserve), 3 shipped. */
async function shopTraffic(bus: EventBusService): Promise<void> {
  for (const sku of ['a', 'b', 'broken', 'c', 'd', 'broken', 'e']) bus.emit(OrderPlaced, { sku });
  for (let id = 1; id <= 3; id++) bus.emit(OrderShipped, { id });
  await bus.drain(5000);
}

function shopModule(metrics: EventsModuleOptions['metrics']): EventsModuleOptions {
  return { definitions: [OrderPlaced, OrderShipped], metrics };
}

describe.each(PLATFORMS)('GET /metrics on %s', (platform) => {
  let running: RunningApp;
  let logger: CaptureLogger;
  let bus: EventBusService;

  beforeAll(async () => {
    logger = new CaptureLogger();
    running = await startApp(
      platform,
      {
        imports: [EventsModule.forRoot(shopModule({ endpoint: '/metrics', maxTypes: 3 }))],
        providers: SHOP_LISTENERS,
      },
      logger,
    );
    bus = running.app.get(EventBusService);
    await shopTraffic(bus);
  });
  afterAll(() => running.app.close());

  it('serves the Prometheus text format with its content type', async () => {
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('# TYPE events_emitted_total counter');
  });

  it('counts every emitted event by type', async () => {
    const { metrics } = await scrape(`${running.url}/metrics`);
    expect(metrics.value('events_emitted_total', { type: 'order.placed' })).toBe(7);
    expect(metrics.value('events_emitted_total', { type: 'order.shipped' })).toBe(3);
    expect(metrics.value('events_emitted_total', { type: 'event.handler.failed' })).toBe(2);
    expect(metrics.value('events_emitted_total', { type: 'system.startup' })).toBe(1);
  });

  it('counts handler outcomes per type and handler, and dead letters', async () => {
    const { metrics } = await scrape(`${running.url}/metrics`);
    const handled = (type: string, handler: string, outcome: string) =>
      metrics.value('events_handled_total', { type, handler, outcome });
    expect(handled('order.placed', 'Mailer.confirm', 'success')).toBe(7);
    expect(handled('order.placed', 'Mailer.confirm', 'failure')).toBe(0);
    expect(handled('order.shipped', 'Mailer.notify', 'success')).toBe(3);
    expect(handled('order.placed', 'Stock.reserve', 'success')).toBe(5);
    expect(handled('order.placed', 'Stock.reserve', 'failure')).toBe(2);
    expect(
      metrics.value('events_dead_letters_total', { type: 'order.placed', handler: 'Stock.reserve' }),
    ).toBe(2);
    expect(metrics.find('events_dead_letters_total')).toHaveLength(1);
    expect(metrics.value('events_in_flight')).toBe(0);
  });

  it('has a duration histogram with every bucket for each handler', async () => {
    const { metrics } = await scrape(`${running.url}/metrics`);
    expect(metrics.types.get('events_handler_duration_seconds')).toBe('histogram');
    const series = { type: 'order.placed', handler: 'Stock.reserve' };
    const buckets = metrics.find('events_handler_duration_seconds_bucket', series);
    expect(buckets.map((b) => b.labels.le)).toEqual(DEFAULT_BUCKETS);
    // Async attempts are all timed: the histogram saw each of the 7.
    expect(metrics.value('events_handler_duration_seconds_count', series)).toBe(7);
    expect(buckets[buckets.length - 1].value).toBe(7);
    expect(metrics.value('events_handler_duration_seconds_sum', series)).toBeGreaterThan(0);
    // Synchronous handlers have their series too (timed by sampling).
    const sync = metrics.find('events_handler_duration_seconds_bucket', {
      type: 'order.placed',
      handler: 'Mailer.confirm',
    });
    expect(sync).toHaveLength(DEFAULT_BUCKETS.length);
  });

  it('reports the same figures as stats()', async () => {
    const { metrics } = await scrape(`${running.url}/metrics`, { 'x-correlation-id': 'stats-scrape' });
    const stats = bus.stats();
    const sum = (name: string, labels: Record<string, string> = {}) =>
      metrics.find(name, labels).reduce((total, s) => total + s.value, 0);
    // Scraping itself emits http.request.* events after this snapshot: compare per declared type instead.
    expect(metrics.value('events_emitted_total', { type: 'order.placed' })).toBe(
      stats.byType['order.placed'],
    );
    expect(sum('events_dead_letters_total')).toBe(stats.deadLetters);
    for (const name of ['Mailer.confirm', 'Mailer.notify', 'Stock.reserve']) {
      expect(sum('events_handled_total', { handler: name })).toBe(stats.handlers[name].calls);
      expect(sum('events_handled_total', { handler: name, outcome: 'failure' })).toBe(
        stats.handlers[name].failures,
      );
    }
    expect(stats.handlers['Stock.reserve']).toMatchObject({ calls: 7, failures: 2 });
    expect(stats.handlers['Stock.reserve'].maxMs).toBeGreaterThan(0);
    // The scrape reports its own end (http.request.completed) when its response closes, after the gauge was read.
    await until(() => bus.history({ correlationId: 'stats-scrape' }).length === 1);
    expect(metrics.value('events_history_size')).toBe(bus.stats().history.size - 1);
  });

  it('folds undeclared types beyond maxTypes into type="other", with one warning', async () => {
    for (const type of ['promo.a', 'promo.b', 'promo.c', 'promo.d', 'promo.e', 'promo.d']) bus.emit(type, {});
    const { metrics } = await scrape(`${running.url}/metrics`);
    for (const type of ['promo.a', 'promo.b', 'promo.c']) {
      expect(metrics.value('events_emitted_total', { type })).toBe(1);
      expect(
        metrics.value('events_handled_total', { type, handler: 'Promotions.seen', outcome: 'success' }),
      ).toBe(1);
    }
    expect(metrics.find('events_emitted_total', { type: 'promo.d' })).toEqual([]);
    expect(metrics.value('events_emitted_total', { type: 'other' })).toBe(3);
    expect(
      metrics.value('events_handled_total', {
        type: 'other',
        handler: 'Promotions.seen',
        outcome: 'success',
      }),
    ).toBe(3);
    // Declared types never fold.
    expect(metrics.value('events_emitted_total', { type: 'order.shipped' })).toBe(3);
    const warnings = logger.lines.filter((l) => l.level === 'warn' && l.context === 'EventMetrics');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('type="other"');
  });
});

describe('metrics options', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((r) => r.app.close()));
  });

  it('are off by default: no route, and EventMetrics says so', async () => {
    const running = await startApp('express', { imports: [EventsModule.forRoot()] });
    apps.push(running);
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
    const metrics = running.app.get(EventMetrics);
    expect(metrics.enabled).toBe(false);
    expect(() => metrics.registry).toThrow(MetricsDisabledError);
  });

  it('without an endpoint, count into the registry but serve no route', async () => {
    const running = await startApp('express', {
      imports: [EventsModule.forRoot(shopModule({}))],
      providers: SHOP_LISTENERS,
    });
    apps.push(running);
    await shopTraffic(running.app.get(EventBusService));
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
    const text = await running.app.get(EventMetrics).metrics();
    expect(text).toContain('events_emitted_total{type="order.placed"} 7');
  });

  it('use the app registry and an endpoint given through forRootAsync()', async () => {
    const registry = new Registry();
    @Module({ providers: [{ provide: 'METRICS_PATH', useValue: '/ops/metrics' }], exports: ['METRICS_PATH'] })
    class ConfigModule {}
    const running = await startApp('fastify', {
      imports: [
        EventsModule.forRootAsync({
          imports: [ConfigModule],
          inject: ['METRICS_PATH'],
          useFactory: (path: string) => shopModule({ endpoint: path, registry, prefix: 'shop_' }),
        }),
      ],
      providers: SHOP_LISTENERS,
    });
    apps.push(running);
    await shopTraffic(running.app.get(EventBusService));
    expect(running.app.get(EventMetrics).registry).toBe(registry);
    const { status, metrics } = await scrape(`${running.url}/ops/metrics`);
    expect(status).toBe(200);
    expect(
      metrics.value('shop_events_handled_total', {
        type: 'order.placed',
        handler: 'Stock.reserve',
        outcome: 'failure',
      }),
    ).toBe(2);
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).toContain('shop_events_emitted_total');
  });

  it('keep two apps running at once apart, each with a registry of its own', async () => {
    const first = await startApp('express', {
      imports: [EventsModule.forRoot(shopModule({ endpoint: '/metrics' }))],
      providers: SHOP_LISTENERS,
    });
    apps.push(first);
    const second = await startApp('fastify', {
      imports: [EventsModule.forRoot(shopModule({ endpoint: '/metrics' }))],
      providers: SHOP_LISTENERS,
    });
    apps.push(second);
    await shopTraffic(first.app.get(EventBusService));
    second.app.get(EventBusService).emit(OrderShipped, { id: 1 });
    const a = (await scrape(`${first.url}/metrics`)).metrics;
    const b = (await scrape(`${second.url}/metrics`)).metrics;
    expect(a.value('events_emitted_total', { type: 'order.shipped' })).toBe(3);
    expect(b.value('events_emitted_total', { type: 'order.shipped' })).toBe(1);
    expect(b.find('events_emitted_total', { type: 'order.placed' })).toEqual([]);
    expect(first.app.get(EventMetrics).registry).not.toBe(second.app.get(EventMetrics).registry);
  });

  it('let a later app reuse the same registry once the first one closed', async () => {
    const registry = new Registry();
    const first = await startApp('express', { imports: [EventsModule.forRoot({ metrics: { registry } })] });
    await first.app.close();
    const second = await startApp('express', { imports: [EventsModule.forRoot({ metrics: { registry } })] });
    apps.push(second);
    expect(await second.app.get(EventMetrics).metrics()).toContain(
      'events_emitted_total{type="system.startup"} 1',
    );
  });
});
