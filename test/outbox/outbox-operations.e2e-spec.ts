import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  EventMetrics,
  EventsHealthIndicator,
  EventsModule,
  type EventsModuleOptions,
} from 'nestjs-event-bus';
import type { OutboxOptions } from 'nestjs-event-bus/outbox';
import { InMemoryTransport } from 'nestjs-event-bus/testing';
import { Registry } from 'prom-client';
import { describePostgres } from '../support/postgres';
import { until } from '../support/wait';
import { postgresDatabase, prepareDatabase, sqliteDatabase, type AppDatabase } from './support/app-database';
import { Seen, UsersService, usersApp } from './fixtures/users.fixture';

/** The value of an unlabelled metric in Prometheus text, or undefined when absent. */
function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Metrics and health of the outbox on a real database. */
function describeOperationsOn(name: string, database: () => AppDatabase): void {
  describe(`outbox metrics and health on ${name}`, () => {
    let db: AppDatabase;
    const apps: INestApplication[] = [];

    async function start(
      outbox: Partial<OutboxOptions>,
      events: EventsModuleOptions = {},
    ): Promise<INestApplication> {
      const options = { metrics: { registry: new Registry(), endpoint: false as const }, ...events };
      const moduleRef = await Test.createTestingModule({
        imports: [usersApp(db, outbox, options)],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      apps.push(app);
      return app;
    }

    beforeEach(async () => {
      db = database();
      await prepareDatabase(db);
    });

    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
      await db.close();
    });

    it('reports the rows waiting and their age, turns red past maxAgeMs, and green once a relay drained them', async () => {
      const writer = await start({ relay: false, health: { maxAgeMs: 100 } });
      const users = writer.get(UsersService);
      for (const id of ['a', 'b', 'c']) await users.create(id);
      const metrics = writer.get(EventMetrics);
      const text = await metrics.metrics();
      expect(metric(text, 'events_outbox_rows')).toBe(3);
      expect(metric(text, 'events_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
      expect(metric(text, 'events_outbox_published_total')).toBe(0);
      expect(metric(text, 'events_outbox_relay_batches_total')).toBe(0);
      expect(metric(text, 'events_outbox_relay_failures_total')).toBe(0);
      // This instance writes rows but does not relay them: nothing is handled here.
      expect(writer.get(Seen).handled).toEqual([]);

      const health = writer.get(EventsHealthIndicator);
      await until(async () => (await health.checkOutbox()).outbox.status === 'down', 10_000);
      const down = (await health.checkOutbox()).outbox;
      expect(down).toMatchObject({ status: 'down', rows: 3, maxAgeMs: 100, relay: false });
      expect(down.message).toMatch(/^the oldest outbox row has waited \d+ ms \(more than 100\)$/);
      const later = await writer.get(EventMetrics).metrics();
      expect(metric(later, 'events_outbox_oldest_age_seconds')).toBeGreaterThan(0.1);

      const relay = await start({ health: { maxAgeMs: 100 } });
      await until(() => relay.get(Seen).handled.length === 3, 10_000);
      await until(
        async () => (await relay.get(EventsHealthIndicator).checkOutbox()).outbox.status === 'up',
        10_000,
      );
      const after = await relay.get(EventMetrics).metrics();
      expect(metric(after, 'events_outbox_rows')).toBe(0);
      expect(metric(after, 'events_outbox_oldest_age_seconds')).toBe(0);
      expect(metric(after, 'events_outbox_published_total')).toBe(3);
      expect(metric(after, 'events_outbox_relay_batches_total')).toBeGreaterThanOrEqual(1);
      expect((await relay.get(EventsHealthIndicator).checkOutbox()).outbox).toMatchObject({
        status: 'up',
        rows: 0,
        oldestAgeMs: null,
      });
    });

    it('counts relay failures and keeps the row while the transport refuses it', async () => {
      const transport = new InMemoryTransport();
      const app = await start(
        { relay: { pollIntervalMs: 20, retryDelayMs: 20, maxRetryDelayMs: 50 } },
        { transport, distributed: ['user.*'] },
      );
      transport.crash();
      await app.get(UsersService).create('refused');
      const metrics = app.get(EventMetrics);
      await until(
        async () => (metric(await metrics.metrics(), 'events_outbox_relay_failures_total') ?? 0) >= 2,
        10_000,
      );
      const text = await metrics.metrics();
      expect(metric(text, 'events_outbox_rows')).toBe(1);
      expect(metric(text, 'events_outbox_published_total')).toBe(0);
      expect((await app.get(EventsHealthIndicator).checkOutbox()).outbox).toMatchObject({ rows: 1 });
    });

    it('turns red, saying why, when the outbox store cannot be read', async () => {
      const app = await start({});
      const health = app.get(EventsHealthIndicator);
      expect((await health.checkOutbox()).outbox.status).toBe('up');
      await db.exec(`DROP TABLE ${db.table('event_outbox')}`);
      const down = (await health.checkOutbox()).outbox;
      expect(down.status).toBe('down');
      expect(down.message).toMatch(/^the outbox store cannot be read: /);
    });
  });
}

describeOperationsOn('SQLite', sqliteDatabase);
describePostgres('PostgreSQL', () => describeOperationsOn('PostgreSQL', postgresDatabase));

describe('checkOutbox() without the outbox', () => {
  it('is down, naming the option to set', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [EventsModule.forRoot()] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect((await app.get(EventsHealthIndicator).checkOutbox()).outbox).toEqual({
      status: 'down',
      message: 'the outbox is off (EventsModule option "outbox")',
    });
    await app.close();
  });
});
