import { Pool } from 'pg';
import { PostgresOutboxStore } from 'nestjs-event-bus/outbox';
import { DATABASE_URL, describePostgres } from '../support/postgres';
import { until } from '../support/wait';
import { commit, entry } from './support/outbox-backends';
import { postgresBackend } from './support/postgres-backend';
import { describeOutboxStoreContract } from './support/store-conformance';

describePostgres('PostgresOutboxStore (real PostgreSQL, a schema of its own)', () => {
  describeOutboxStoreContract(postgresBackend);

  describe('notifications', () => {
    let db: ReturnType<typeof postgresBackend>;
    beforeEach(() => {
      db = postgresBackend();
    });
    afterEach(() => db.close());

    it('wakes a listener when a transaction with rows commits, never for one that rolls back', async () => {
      const store = db.store();
      await store.prepare();
      let wakes = 0;
      const unlisten = await store.listen!(() => wakes++);
      await db.transaction('rollback', (run) => store.enqueue(run, [entry('k', 1)]));
      await commit(db, store, [entry('k', 2), entry('k', 3)]);
      // Notifications arrive in commit order: one from the rollback would have come first.
      await until(() => wakes > 0);
      expect(wakes).toBe(1);
      await unlisten();
      await commit(db, store, [entry('k', 4)]);
      const listening = await db.rows(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN "${db.schema}.%'`,
      );
      expect(listening[0].n).toBe(0);
    });

    it('listens again after its connection was lost, and wakes once back', async () => {
      const store = db.store();
      await store.prepare();
      let wakes = 0;
      await store.listen!(() => wakes++);
      const listener = `SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN "${db.schema}.event_outbox"'`;
      const [{ pid }] = await db.rows(listener);
      await db.rows(`SELECT pg_terminate_backend(${Number(pid)})`);
      // Back on a new connection: it wakes the relay once, as a commit may have been missed meanwhile.
      await until(async () => {
        const rows = await db.rows(listener);
        return rows.length === 1 && rows[0].pid !== pid && wakes === 1;
      }, 15_000);
      await commit(db, store, [entry('k', 1)]);
      await until(() => wakes === 2);
    }, 30_000);
  });

  it('leaves a Pool it was given open, and signals on the channel named', async () => {
    const db = postgresBackend();
    const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
    const channel = `outbox_${db.schema}`.slice(0, 63);
    try {
      const store = new PostgresOutboxStore({ connection: pool, schema: db.schema, notifyChannel: channel });
      expect(store.channel).toBe(channel);
      expect(store.description).toContain(`("${db.schema}"."event_outbox", "${db.schema}"."event_inbox")`);
      await store.prepare();
      let wakes = 0;
      await store.listen!(() => wakes++);
      const listening = await db.rows(`SELECT 1 FROM pg_stat_activity WHERE query = 'LISTEN "${channel}"'`);
      expect(listening).toHaveLength(1);
      await commit(db, store, [entry('k', 1)]);
      await until(() => wakes === 1);
      expect((await store.claim('relay', 10, 1000)).length).toBe(1);
      await store.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
      await db.close();
    }
  });

  it('checks its names, and never shows credentials in its description', () => {
    expect(() => new PostgresOutboxStore({ connection: DATABASE_URL, schema: 'x; drop' })).toThrow(
      /schema "x; drop" must be letters, digits and _/,
    );
    expect(
      () => new PostgresOutboxStore({ connection: DATABASE_URL, notifyChannel: 'n'.repeat(64) }),
    ).toThrow(/notifyChannel must be 1 to 63 characters/);
    const store = new PostgresOutboxStore({ connection: 'postgres://app:s3cret@db.internal:6543/orders' });
    expect(store.description).toBe(
      'PostgreSQL db.internal:6543/orders ("public"."event_outbox", "public"."event_inbox")',
    );
    expect(store.channel).toBe('public.event_outbox');
    const long = new PostgresOutboxStore({
      connection: DATABASE_URL,
      schema: 's'.repeat(40),
      table: 't'.repeat(40),
    });
    expect(long.channel.length).toBeLessThanOrEqual(63);
  });
});
