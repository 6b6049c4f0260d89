import { Pool } from 'pg';
import { PostgresOutboxStore, type OutboxStore } from 'nestjs-event-bus/outbox';
import { DATABASE_URL, dropSchema, uniqueSchema } from '../../support/postgres';
import type { OutboxBackend } from './outbox-backends';

/** A schema of the test's own on the test PostgreSQL, dropped by `close()`. */
export function postgresBackend(): OutboxBackend & { readonly schema: string; readonly app: Pool } {
  const schema = uniqueSchema('outbox');
  const app = new Pool({ connectionString: DATABASE_URL, max: 8 });
  const stores: OutboxStore[] = [];
  return {
    name: 'PostgreSQL',
    schema,
    app,
    store(options = {}) {
      const store = new PostgresOutboxStore({ connection: DATABASE_URL, schema, ...options });
      stores.push(store);
      return store;
    },
    async transaction(outcome, work) {
      const client = await app.connect();
      try {
        await client.query('BEGIN');
        await work(async (sql, params) => (await client.query(sql, [...params])).rowCount ?? 0);
        await client.query(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async rows(sql) {
      return (await app.query(sql)).rows as Record<string, unknown>[];
    },
    tableSql: (table = 'event_outbox') => `"${schema}"."${table}"`,
    async close() {
      await Promise.all(stores.map((store) => store.close()));
      await dropSchema(schema, app);
      await app.end();
    },
  };
}
