import { Client, Pool } from 'pg';

/** The PostgreSQL the tests use: DATABASE_URL, else the local server. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Asks PostgreSQL once whether it answers and records the answer in `process.env.PG_AVAILABLE` ('1' or '0'),
 * which the test workers inherit. With CI=true an unreachable server throws, failing the whole run loudly; elsewhere a
 * notice is printed and the PostgreSQL tests are reported as skipped.
 */
export async function probePostgres(): Promise<void> {
  const pool = new Pool({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000, max: 1 });
  try {
    await pool.query('SELECT 1');
    process.env.PG_AVAILABLE = '1';
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(
        `PostgreSQL is unreachable at ${DATABASE_URL} and CI=true: ${(error as Error).message}`,
      );
    }
    console.warn(`Skipping PostgreSQL tests: ${DATABASE_URL} is unreachable (${(error as Error).message}).`);
    process.env.PG_AVAILABLE = '0';
  } finally {
    await pool.end();
  }
}

/**
 * `describe` for tests that need PostgreSQL: skipped when the probe found it unreachable. Without the probe's
 * answer (Jest run with another config) the tests run, and fail if there is no server.
 */
export function describePostgres(name: string, fn: () => void): void {
  (process.env.PG_AVAILABLE === '0' ? describe.skip : describe)(name, fn);
}

/** A schema (or database) name of this test run's own. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
}

/** Drops a test's own schema, through `db` when given, else over a connection of its own. */
export async function dropSchema(schema: string, db?: Pick<Pool, 'query'>): Promise<void> {
  const sql = `DROP SCHEMA IF EXISTS "${schema}" CASCADE`;
  if (db) {
    await db.query(sql);
    return;
  }
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
