import { Pool } from 'pg';

/** The PostgreSQL the tests use: DATABASE_URL, else the local server. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * True when PostgreSQL answers. Outside CI a missing server skips the suite with a notice; with CI=true the
 * suite fails loudly instead.
 */
export async function postgresAvailable(): Promise<boolean> {
  const pool = new Pool({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000, max: 1 });
  try {
    await pool.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(
        `PostgreSQL is unreachable at ${DATABASE_URL} and CI=true: ${(error as Error).message}`,
      );
    }
    console.warn(
      `Skipping PostgreSQL audit tests: ${DATABASE_URL} is unreachable (${(error as Error).message}).`,
    );
    return false;
  } finally {
    await pool.end();
  }
}

/** A schema name of this test run's own. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
}
