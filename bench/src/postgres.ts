import { Pool } from 'pg';

/** The PostgreSQL the bench uses: DATABASE_URL, else the machine's local server. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers at DATABASE_URL within 3 s (scenarios leave out its rows when it does not). */
export async function postgresUp(): Promise<boolean> {
  const pool = new Pool({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000, max: 1 });
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await pool.end();
  }
}
