import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { EventBusService, EventsConfigError, EventsModule, OnEvent, type BusEvent } from 'nestjs-event-bus';
import { OUTBOX_STORE, type OutboxStore } from 'nestjs-event-bus/outbox';
import { InMemoryTransport } from 'nestjs-event-bus/testing';
import { DataSource } from 'typeorm';
import { describePostgres } from '../support/postgres';
import { until } from '../support/wait';
import { postgresDatabase, prepareDatabase, sqliteDatabase, type AppDatabase } from './support/app-database';
import {
  PaymentReceived,
  PaymentsSeen,
  PaymentsService,
  paymentsApp,
  type Payment,
} from './fixtures/payments.fixture';

const HANDLER = 'PaymentsListener.credit';

/** The inbox on a real database: every payment delivered twice, each credited once. */
function describeInboxOn(name: string, database: () => AppDatabase): void {
  describe(`the inbox on ${name}`, () => {
    let db: AppDatabase;
    let app: INestApplication;
    let transport: InMemoryTransport;

    beforeEach(async () => {
      db = database();
      await prepareDatabase(db);
      transport = new InMemoryTransport({ maxInFlight: 16 });
      const moduleRef = await Test.createTestingModule({ imports: [paymentsApp(db, transport)] }).compile();
      app = moduleRef.createNestApplication({ logger: ['error'] });
      await app.init();
    });

    afterEach(async () => {
      await app?.close();
      await db?.close();
    });

    it('commits the effect of each event once although every event is delivered twice', async () => {
      const bus = app.get(EventBusService);
      const seen = app.get(PaymentsSeen);
      const store = app.get<OutboxStore>(OUTBOX_STORE);
      const payments = (from: number): Payment[] =>
        Array.from({ length: 20 }, (_, i) => ({
          account: `acct-${(from + i) % 3}`,
          amount: from + i + 1,
          failFirst: (from + i) % 5 === 0,
        }));
      // Half through the outbox (one transaction, relayed to the transport after its commit), half straight out.
      const events = [
        ...(await app.get(PaymentsService).receiveAll(payments(0))),
        ...payments(20).map((payment) => bus.emit(PaymentReceived, payment)),
      ];
      const ids = events.map((event) => event.id);
      await until(() => ids.every((id) => seen.deliveries.get(id) === 1), 30_000);
      // The broker delivers each event again, as at-least-once delivery may.
      await transport.publish(events);
      await until(() => ids.every((id) => seen.deliveries.get(id) === 2), 30_000);
      await until(async () => (await store.inspect()).rows === 0, 30_000);
      await bus.drain(10_000);

      const ledger = await db.query(`SELECT "eventId" AS id, amount FROM ${db.table('inbox_ledger')}`);
      expect(ledger.map((row) => row.id).sort()).toEqual([...ids].sort());
      const inbox = await db.query(`SELECT event_id, handler FROM ${db.table('event_inbox')}`);
      expect(inbox.map((row) => row.event_id).sort()).toEqual([...ids].sort());
      expect(new Set(inbox.map((row) => row.handler))).toEqual(new Set([HANDLER]));
      // The receipt emitted in the handler's transaction committed with it: one per payment.
      expect([...seen.receipts].sort()).toEqual([...ids].sort());
      // A failing first attempt ran the body, rolled back, and its retry committed; duplicates never ran it.
      const failing = events.filter((event) => event.data.failFirst).map((event) => event.id);
      expect(failing.length).toBeGreaterThan(0);
      for (const id of ids) {
        const expected = failing.includes(id) ? 2 : 1;
        expect([id, seen.attempts.filter((a) => a === id).length]).toEqual([id, expected]);
      }
    });
  });
}

describeInboxOn('SQLite (TypeORM, better-sqlite3)', sqliteDatabase);
describePostgres('PostgreSQL', () => describeInboxOn('PostgreSQL (TypeORM, pg)', postgresDatabase));

@Injectable()
class IdempotentListener {
  @OnEvent(PaymentReceived, { idempotent: true })
  credit(_event: BusEvent<Payment>): void {}
}

describe('idempotent listeners without what the inbox needs', () => {
  let db: AppDatabase;

  beforeEach(() => {
    db = sqliteDatabase();
  });
  afterEach(async () => {
    await db.close();
  });

  async function boot(imports: unknown[]): Promise<INestApplication> {
    @Module({ imports: imports as never[], providers: [IdempotentListener] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    return moduleRef.createNestApplication({ logger: false });
  }

  it('fails the bootstrap with EventsConfigError saying to turn the outbox on', async () => {
    const app = await boot([EventsModule.forRoot()]);
    const init = app.init();
    await expect(init).rejects.toBeInstanceOf(EventsConfigError);
    await expect(init).rejects.toThrow(/IdempotentListener\.credit.*idempotent.*outbox: \{ store \}/s);
    await app.close();
  });

  it('fails the bootstrap with EventsConfigError saying to register ClsPluginTransactional', async () => {
    const app = await boot([
      TypeOrmModule.forRoot({ ...db.typeorm(), entities: [] }),
      ClsModule.forRoot({ global: true }),
      EventsModule.forRoot({ outbox: { store: db.store() } }),
    ]);
    const init = app.init();
    await expect(init).rejects.toBeInstanceOf(EventsConfigError);
    await expect(init).rejects.toThrow(/register ClsPluginTransactional/);
    await app.close();
  });

  it('works once ClsPluginTransactional is registered', async () => {
    const app = await boot([
      TypeOrmModule.forRoot({ ...db.typeorm(), entities: [] }),
      ClsModule.forRoot({
        global: true,
        plugins: [
          new ClsPluginTransactional({
            imports: [TypeOrmModule],
            adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
          }),
        ],
      }),
      EventsModule.forRoot({ outbox: { store: db.store() } }),
    ]);
    await app.init();
    expect(
      app
        .get(EventBusService)
        .listeners()
        .map((l) => l.name),
    ).toEqual(['IdempotentListener.credit']);
    await app.close();
  });
});
