import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseLocation } from './database.options';

/** How long a start on SQLite waits for another process to finish migrating the same file. */
const MIGRATION_LOCK_WAIT_MS = 60_000;

/**
 * Opens the app's `DataSource` and brings its schema up to date (`migrationsRun`), so that instances starting
 * together on one database apply each migration once: on PostgreSQL under an advisory lock (the schema is created
 * first when missing), on SQLite under an exclusive lock on a file next to the database.
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

/**
 * SQLite has no advisory lock, and TypeORM reads which migrations a file has had before it opens their transaction:
 * two processes starting on one new file would both apply them. So a start holds an exclusive lock on a file of its
 * own next to the database (`app.db.migrations-lock`, an empty SQLite file) while it opens the database and
 * migrates it; a second start waits for it, then finds the migrations applied. The lock goes with the process.
 */
async function openSqlite(options: DataSourceOptions): Promise<DataSource> {
  const location = databaseLocation(options);
  let lock: BetterSqlite3.Database | undefined;
  try {
    mkdirSync(dirname(location), { recursive: true });
    lock = new BetterSqlite3(`${location}.migrations-lock`, { timeout: MIGRATION_LOCK_WAIT_MS });
    lock.exec('BEGIN EXCLUSIVE');
    const dataSource = new DataSource(options);
    await dataSource.initialize();
    return dataSource;
  } catch (error) {
    throw new Error(`Cannot open the SQLite database at ${location}: ${message(error)}`);
  } finally {
    lock?.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
