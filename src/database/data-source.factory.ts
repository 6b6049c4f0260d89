import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseLocation } from './database.options';

/**
 * Opens the app's `DataSource` and brings its schema up to date (`migrationsRun`), so that instances starting
 * together on one database apply each migration once: on PostgreSQL under an advisory lock (the schema is created
 * first when missing), on SQLite by trying again while another process migrates the file.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  if (options.type !== 'postgres') return openSqlite(options);
  const dataSource = new DataSource(options);
  const schema = options.schema ?? 'public';
  const client = new Client({ connectionString: options.url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(`Cannot reach PostgreSQL at ${databaseLocation(options)}: ${message(error)}`);
  }
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`example-app-schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.initialize();
    return dataSource;
  } finally {
    // Ending the session releases the advisory lock.
    await client.end().catch(() => undefined);
  }
}

/** How many times a start on SQLite tries again while another process is migrating the same file. */
const SQLITE_OPEN_ATTEMPTS = 10;

/**
 * SQLite has no advisory lock: when several processes start on one new file, the first to write migrates it and
 * the others fail (the file is locked, or a table they were about to create is there now). Those try again, and
 * find the migrations applied.
 */
async function openSqlite(options: DataSourceOptions): Promise<DataSource> {
  for (let attempt = 1; ; attempt++) {
    const dataSource = new DataSource(options);
    try {
      await dataSource.initialize();
      return dataSource;
    } catch (error) {
      if (attempt < SQLITE_OPEN_ATTEMPTS && anotherProcessIsMigrating(error)) {
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        continue;
      }
      throw new Error(`Cannot open the SQLite database at ${databaseLocation(options)}: ${message(error)}`);
    }
  }
}

function anotherProcessIsMigrating(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return (
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) || /already exists/.test(message(error))
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
