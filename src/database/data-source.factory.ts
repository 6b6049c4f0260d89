import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseLocation } from './database.options';

/**
 * Opens the app's `DataSource` and brings its schema up to date (`migrationsRun`). On PostgreSQL the schema is
 * created first when missing, and both happen under an advisory lock, so that instances starting together on one
 * database apply each migration once.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options);
  if (options.type !== 'postgres') {
    await dataSource.initialize().catch((error: unknown) => {
      throw new Error(`Cannot open the SQLite database at ${databaseLocation(options)}: ${message(error)}`);
    });
    return dataSource;
  }
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
