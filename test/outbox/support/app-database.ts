import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { PostgresOutboxStore, SqliteOutboxStore, type OutboxStore } from 'nestjs-event-bus/outbox';
import type { DataSourceOptions } from 'typeorm';
import { DATABASE_URL, dropSchema, uniqueSchema } from '../../support/postgres';

/**
 * The database of an outbox test app: TypeORM's options for it, outbox stores on it, and a connection of the
 * test's own to look at committed rows from outside the app's transactions.
 */
export interface AppDatabase {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** TypeORM options (the entities are added by the fixture). */
  typeorm(): DataSourceOptions;
  /** A new outbox store on this database (closed by the app, or by `close()`). */
  store(): OutboxStore;
  /** Rows of `sql` (with `?`/`$n` placeholders as the dialect wants), read on the test's own connection. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Statements (DDL, triggers) run on the test's own connection. */
  exec(sql: string): Promise<void>;
  /** A table's name as SQL (schema-qualified on PostgreSQL). */
  table(name: string): string;
  /** `?` on SQLite, `$n` on PostgreSQL. */
  param(n: number): string;
  close(): Promise<void>;
}

/** An SQLite file in a directory of the test's own; TypeORM writes it through better-sqlite3 in WAL mode. */
export function sqliteDatabase(): AppDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-app-'));
  const file = join(dir, 'app.db');
  const own = new Database(file);
  own.pragma('journal_mode = WAL');
  own.pragma('busy_timeout = 5000');
  const stores: OutboxStore[] = [];
  return {
    name: 'SQLite',
    typeorm: () => ({
      type: 'better-sqlite3',
      database: file,
      enableWAL: true,
      synchronize: true,
      prepareDatabase: (db: Database.Database) => void db.pragma('busy_timeout = 5000'),
    }),
    store() {
      const store = new SqliteOutboxStore({ file });
      stores.push(store);
      return store;
    },
    query: async (sql, params = []) => own.prepare(sql).all(...params) as Record<string, unknown>[],
    exec: async (sql) => void own.exec(sql),
    table: (name) => `"${name}"`,
    param: () => '?',
    async close() {
      await Promise.all(stores.map((store) => store.close()));
      own.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of the test's own on the test PostgreSQL (TypeORM's tables and the outbox's), dropped by `close()`. */
export function postgresDatabase(): AppDatabase & { readonly schema: string } {
  const schema = uniqueSchema('outbox_app');
  const own = new Pool({ connectionString: DATABASE_URL, max: 4 });
  const stores: OutboxStore[] = [];
  let created: Promise<unknown> | undefined;
  const ready = () => (created ??= own.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
  return {
    name: 'PostgreSQL',
    schema,
    typeorm: () => ({ type: 'postgres', url: DATABASE_URL, schema, synchronize: true, poolSize: 8 }),
    store() {
      const store = new PostgresOutboxStore({ connection: DATABASE_URL, schema });
      stores.push(store);
      return store;
    },
    async query(sql, params = []) {
      await ready();
      return (await own.query(sql, params)).rows as Record<string, unknown>[];
    },
    async exec(sql) {
      await ready();
      await own.query(sql);
    },
    table: (name) => `"${schema}"."${name}"`,
    param: (n) => `$${n}`,
    async close() {
      await Promise.all(stores.map((store) => store.close()));
      await dropSchema(schema, own);
      await own.end();
    },
  };
}

/** Creates the PostgreSQL schema before TypeORM synchronizes into it (a no-op on SQLite). */
export async function prepareDatabase(db: AppDatabase): Promise<void> {
  await db.query('SELECT 1');
}
