import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { DATABASE_URL, uniqueSchema } from '../../../support/postgres';
import type { FaultDatabaseSettings } from './outbox-child';

/** A row waiting in the outbox, as the test reads it from outside the apps. */
export interface WaitingRow {
  /** The order the row's event is about. */
  readonly n: number;
  readonly eventId: string;
  /** Failed deliveries so far. */
  readonly attempts: number;
  /** The relay that holds it (`<host>:<pid>:<random>`), if any holds it. */
  readonly leaseOwner: string | null;
}

/**
 * The database the children of one test write to, with the application's table created by the test (the
 * children do not synchronize: two starting at once would race), and read from the test's own connection.
 */
export interface FaultDatabase {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** What the children are told. */
  readonly settings: FaultDatabaseSettings;
  /** The order numbers committed: the rows of the application's table (the truth about what committed). */
  committed(): Promise<number[]>;
  /** The rows waiting in the outbox (none before a child created the table). */
  waiting(): Promise<WaitingRow[]>;
  /** Closes the test's connection and removes the file or drops the schema. */
  close(): Promise<void>;
}

const ORDERS = 'fault_orders';

interface RawWaiting {
  event_id: string;
  attempts: number;
  lease_owner: string | null;
  body: string;
}

function toWaiting(row: RawWaiting): WaitingRow {
  const body = JSON.parse(row.body) as { data: { n: number } };
  return {
    n: body.data.n,
    eventId: row.event_id,
    attempts: Number(row.attempts),
    leaseOwner: row.lease_owner,
  };
}

/** An SQLite file in a directory of the test's own (WAL, as the children open it). */
export function sqliteFaultDatabase(): FaultDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-fault-'));
  const file = join(dir, 'app.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.exec(`CREATE TABLE "${ORDERS}" (n integer PRIMARY KEY NOT NULL, key varchar NOT NULL)`);
  return {
    name: 'SQLite',
    settings: { kind: 'sqlite', file },
    async committed() {
      const rows = db.prepare(`SELECT n FROM "${ORDERS}" ORDER BY n`).all() as { n: number }[];
      return rows.map((row) => row.n);
    },
    async waiting() {
      const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'event_outbox'`).get();
      if (exists === undefined) return [];
      const sql = 'SELECT event_id, attempts, lease_owner, body FROM event_outbox ORDER BY seq';
      return (db.prepare(sql).all() as RawWaiting[]).map(toWaiting);
    },
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A schema of the test's own on PostgreSQL at `url` (the shared server unless the test started one), holding the
 * application's table and, once a child prepared its store, the outbox's.
 */
export async function postgresFaultDatabase(url = DATABASE_URL): Promise<FaultDatabase> {
  const schema = uniqueSchema('outbox_fault');
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  // The test may stop its own server: an idle client losing its connection must not end the test process.
  pool.on('error', () => undefined);
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`CREATE TABLE "${schema}"."${ORDERS}" (n integer PRIMARY KEY, key varchar NOT NULL)`);
  return {
    name: 'PostgreSQL',
    settings: { kind: 'postgres', url, schema },
    async committed() {
      const { rows } = await pool.query<{ n: number }>(`SELECT n FROM "${schema}"."${ORDERS}" ORDER BY n`);
      return rows.map((row) => row.n);
    },
    async waiting() {
      const { rows } = await pool.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
        `"${schema}".event_outbox`,
      ]);
      if (!rows[0].exists) return [];
      const sql = `SELECT event_id, attempts, lease_owner, body FROM "${schema}".event_outbox ORDER BY seq`;
      return (await pool.query<RawWaiting>(sql)).rows.map(toWaiting);
    },
    async close() {
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}
