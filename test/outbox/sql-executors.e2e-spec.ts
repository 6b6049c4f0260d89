import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { sqlExecutorFor } from '../../libs/events/src/outbox/sql-executors';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';

type Run = NonNullable<ReturnType<typeof sqlExecutorFor>>;

/** What the inbox and the outbox rely on: each kind of statement reports the rows it changed. */
async function expectCounts(run: Run, table: string, p: (n: number) => string): Promise<void> {
  await expect(run(`INSERT INTO ${table} (id, n) VALUES (${p(1)}, ${p(2)})`, ['a', 1])).resolves.toBe(1);
  await expect(
    run(`INSERT INTO ${table} (id, n) VALUES (${p(1)}, ${p(2)}), (${p(3)}, ${p(4)})`, ['b', 1, 'c', 2]),
  ).resolves.toBe(2);
  await expect(
    run(`INSERT INTO ${table} (id, n) VALUES (${p(1)}, ${p(2)}) ON CONFLICT DO NOTHING`, ['a', 9]),
  ).resolves.toBe(0);
  await expect(run(`UPDATE ${table} SET n = n + 1 WHERE n = ${p(1)}`, [1])).resolves.toBe(2);
  await expect(run(`DELETE FROM ${table} WHERE id <> ${p(1)}`, ['a'])).resolves.toBe(2);
}

describe('SQL executors on real drivers: SQLite', () => {
  it("counts through a TypeORM EntityManager's transaction (better-sqlite3)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'executors-'));
    const dataSource = new DataSource({ type: 'better-sqlite3', database: join(dir, 'x.db') });
    await dataSource.initialize();
    try {
      await dataSource.query('CREATE TABLE counted (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
      await dataSource.transaction(async (manager: EntityManager) => {
        await expectCounts(sqlExecutorFor(manager)!, 'counted', () => '?');
      });
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describePostgres('SQL executors on real drivers: PostgreSQL', () => {
  const schema = uniqueSchema('executors');
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  const table = `"${schema}".counted`;

  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA "${schema}"`);
  });
  beforeEach(async () => {
    await pool.query(
      `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id text PRIMARY KEY, n int NOT NULL)`,
    );
  });
  afterAll(async () => {
    await dropSchema(schema, pool);
    await pool.end();
  });

  it("counts through a TypeORM EntityManager's transaction (pg)", async () => {
    const dataSource = new DataSource({ type: 'postgres', url: DATABASE_URL });
    await dataSource.initialize();
    try {
      await dataSource.transaction(async (manager: EntityManager) => {
        await expectCounts(sqlExecutorFor(manager)!, table, (n) => `$${n}`);
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it('counts through a pg PoolClient (what TransactionalAdapterPg gives)', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await expectCounts(sqlExecutorFor(client)!, table, (n) => `$${n}`);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});
