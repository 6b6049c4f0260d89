import type { INestApplication } from '@nestjs/common';
import { Propagation } from '@nestjs-cls/transactional';
import { Test } from '@nestjs/testing';
import { EventBusService, EventContext } from 'nestjs-event-bus';
import { OUTBOX_STORE, type OutboxStore } from 'nestjs-event-bus/outbox';
import { describePostgres } from '../support/postgres';
import { until } from '../support/wait';
import { postgresDatabase, prepareDatabase, sqliteDatabase, type AppDatabase } from './support/app-database';
import { RolledBack, Seen, UserCreated, UsersService, usersApp } from './fixtures/users.fixture';

/** The app's outbox on a real database: events of committed transactions are handled after commit, others never. */
function describeOutboxOn(name: string, database: () => AppDatabase): void {
  describe(`the transactional outbox on ${name}`, () => {
    let db: AppDatabase;
    let app: INestApplication;
    let users: UsersService;
    let seen: Seen;
    let bus: EventBusService;
    let store: OutboxStore;

    beforeEach(async () => {
      db = database();
      await prepareDatabase(db);
      const moduleRef = await Test.createTestingModule({ imports: [usersApp(db)] }).compile();
      app = moduleRef.createNestApplication({ logger: ['error'] });
      await app.init();
      users = app.get(UsersService);
      seen = app.get(Seen);
      bus = app.get(EventBusService);
      store = app.get(OUTBOX_STORE);
    });

    afterEach(async () => {
      await app?.close();
      await db?.close();
    });

    /** Waits until the outbox is empty and nothing is running, so no late delivery can come. */
    async function settled(): Promise<void> {
      await until(async () => (await store.inspect()).rows === 0, 30_000);
      await bus.drain(10_000);
    }

    it('of 1,000 transactions, handles exactly the 500 that committed, each after its commit', async () => {
      const committed: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const id = `user-${i}`;
        const outcome = i % 2 === 0 ? 'commit' : 'rollback';
        if (outcome === 'commit') {
          await users.create(id);
          committed.push(id);
        } else {
          await expect(users.create(id, 'rollback')).rejects.toBeInstanceOf(RolledBack);
        }
      }
      await until(() => seen.handled.length >= 500, 60_000);
      await settled();
      expect(seen.ids().sort()).toEqual([...committed].sort());
      expect(seen.handled.every((h) => h.committed)).toBe(true);
      const rows = await db.query(`SELECT count(*) AS n FROM ${db.table('outbox_users')}`);
      expect(Number(rows[0].n)).toBe(500);
      // History (and with it audit and metrics) saw each committed event once, when it was delivered.
      expect(bus.history({ type: UserCreated.type }).map((e) => e.data)).toHaveLength(500);
      expect(bus.stats().byType[UserCreated.type]).toBe(500);
    });

    it("runs the handler in the event's context: its correlation id and actor, the event as cause", async () => {
      const context = app.get(EventContext);
      const event = await context.run(
        () => {
          context.setActor('admin-7');
          return users.create('ctx-user');
        },
        { correlationId: 'req-outbox-1' },
      );
      await until(() => seen.handled.length === 1, 10_000);
      const [handled] = seen.handled;
      expect(handled.event.id).toBe(event.id);
      expect(handled.event).toMatchObject({ correlationId: 'req-outbox-1', actorId: 'admin-7' });
      expect(handled.correlationId).toBe('req-outbox-1');
    });

    it('resolves emitAsync() in a transaction at once as deferred; its handler runs after the commit', async () => {
      const result = await users.createAwaited('awaited-user');
      expect(result).toMatchObject({ handled: 0, failed: [], deferred: true });
      expect(result.published).toBeUndefined();
      await until(() => seen.handled.length === 1, 10_000);
      expect(seen.handled[0]).toMatchObject({ committed: true, event: { id: result.event.id } });
    });

    it('leaves emits outside a transaction as they were: handled at once, nothing in the outbox', async () => {
      const result = await bus.emitAsync(UserCreated, { id: 'no-transaction' });
      expect(result).toMatchObject({ handled: 1, failed: [] });
      expect(result.deferred).toBeUndefined();
      expect(seen.ids()).toEqual(['no-transaction']);
      expect((await store.inspect()).rows).toBe(0);
    });

    it('rolls the transaction back, with the write error, when the outbox row cannot be written', async () => {
      await db.exec(refusingTrigger(db));
      const failure = users.create('poison-user');
      await expect(failure).rejects.toThrow(/outbox refuses poison/);
      await users.create('healthy-user');
      await until(() => seen.handled.length === 1, 10_000);
      await settled();
      expect(seen.ids()).toEqual(['healthy-user']);
      const rows = await db.query(`SELECT id FROM ${db.table('outbox_users')}`);
      expect(rows.map((row) => row.id)).toEqual(['healthy-user']);
    });

    it('warns once, saying what to do, when a transaction adapter is not wrapped (and dispatches at once)', async () => {
      await app.close();
      const warnings: string[] = [];
      const logger = { log() {}, error() {}, warn: (m: unknown) => void warnings.push(String(m)) };
      const moduleRef = await Test.createTestingModule({
        imports: [usersApp(db, {}, {}, false)],
      }).compile();
      app = moduleRef.createNestApplication({ logger });
      await app.init();
      users = app.get(UsersService);
      seen = app.get(Seen);
      await expect(users.create('unwrapped-1', 'rollback')).rejects.toBeInstanceOf(RolledBack);
      await users.create('unwrapped-2');
      // Dispatched inside the transaction, before it rolled back: what the outbox is there to prevent.
      await until(() => seen.handled.length === 2, 10_000);
      expect(seen.ids().sort()).toEqual(['unwrapped-1', 'unwrapped-2']);
      const told = warnings.filter((w) => w.includes('transactionalOutbox'));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/not wrapped by transactionalOutbox\(\).*Wrap the adapter/s);
    });

    describe('nested transactions', () => {
      const scenarios: {
        propagation: Propagation;
        inner: 'commit' | 'rollback';
        outer: 'commit' | 'rollback';
        handled: string[];
      }[] = [
        // Joined: one transaction, one fate.
        { propagation: Propagation.Required, inner: 'commit', outer: 'commit', handled: ['inner', 'outer'] },
        { propagation: Propagation.Required, inner: 'commit', outer: 'rollback', handled: [] },
        // A savepoint: its rows roll back with it, and with the transaction around it.
        { propagation: Propagation.Nested, inner: 'rollback', outer: 'commit', handled: ['outer'] },
        { propagation: Propagation.Nested, inner: 'commit', outer: 'commit', handled: ['inner', 'outer'] },
        { propagation: Propagation.Nested, inner: 'commit', outer: 'rollback', handled: [] },
      ];
      // Its own transaction: committed before the outer one rolls back. TypeORM's SQLite driver has one connection,
      // so there it runs as a savepoint of the outer transaction and rolls back with it: no row, no event.
      scenarios.push({
        propagation: Propagation.RequiresNew,
        inner: 'commit',
        outer: 'rollback',
        handled: name.startsWith('SQLite') ? [] : ['inner'],
      });
      for (const { propagation, inner, outer, handled } of scenarios) {
        it(`${propagation}: inner ${inner}, outer ${outer} -> handled [${handled.join(', ')}]`, async () => {
          const run = users.createAround('outer', 'inner', propagation, { inner, outer });
          if (outer === 'rollback') await expect(run).rejects.toBeInstanceOf(RolledBack);
          else await run;
          await until(() => seen.handled.length >= handled.length, 10_000);
          await settled();
          expect(seen.ids().sort()).toEqual(handled);
          expect(seen.handled.every((h) => h.committed)).toBe(true);
        });
      }
    });
  });
}

/** A trigger that makes the database refuse the outbox row of a user whose id has `poison` in it. */
function refusingTrigger(db: AppDatabase): string {
  if (db.name === 'SQLite') {
    return `CREATE TRIGGER refuse_poison BEFORE INSERT ON event_outbox WHEN NEW.body LIKE '%poison%'
      BEGIN SELECT RAISE(ABORT, 'outbox refuses poison'); END;`;
  }
  const fn = db.table('refuse_poison');
  return `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.body LIKE '%poison%' THEN RAISE EXCEPTION 'outbox refuses poison'; END IF; RETURN NEW; END $$;
    CREATE TRIGGER refuse_poison BEFORE INSERT ON ${db.table('event_outbox')}
      FOR EACH ROW EXECUTE FUNCTION ${fn}();`;
}

describeOutboxOn('SQLite (TypeORM, better-sqlite3)', sqliteDatabase);
describePostgres('PostgreSQL', () => describeOutboxOn('PostgreSQL (TypeORM, pg)', postgresDatabase));
