import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { errorMessage } from '../../common/error-message';
import { loadDriver } from '../../common/load-driver';
import { BUSY_TIMEOUT_RULE, checkWholeNumber } from '../../common/store-checks';
import type {
  OutboxDepth,
  OutboxEntry,
  OutboxRecord,
  OutboxStore,
  SqlExecutor,
} from '../../bus/ports/outbox-store.port';
import { OutboxStoreError } from '../outbox.errors';
import {
  bySeq,
  chunks,
  DEFAULT_INBOX_TABLE,
  DEFAULT_OUTBOX_TABLE,
  ENTRY_COLUMNS,
  entryValues,
  RECORD_COLUMNS,
  tableName,
  toRecord,
  truncateError,
  type RawOutboxRow,
} from './outbox-rows';
import type { SqliteOutboxStoreOptions } from './sqlite-outbox.options';

type SqliteDriver = typeof BetterSqlite3;
type Statement = BetterSqlite3.Statement;

interface Statements {
  claim: Statement;
  renew: Statement;
  complete: Statement;
  release: Statement;
  inspect: Statement;
}

/** Rows per INSERT statement of `enqueue` (7 parameters each, far below SQLite's limit). */
const ROWS_PER_INSERT = 100;

/**
 * The outbox and inbox in an SQLite file, beside the application's own tables. Rows are written by the
 * application's transaction (through the `SqlExecutor` it is given, `?` placeholders); claims, deletes and releases
 * run on a connection of the store's own (better-sqlite3, WAL) in `BEGIN IMMEDIATE` transactions, so several
 * relays, in one process or several, can share the file: leases keep them off each other's rows.
 *
 * better-sqlite3 is synchronous: the store's connection never waits for a lock inside the driver (that would pause
 * the event loop, and with it a transaction of the same process holding that lock). It tries again after short
 * asynchronous pauses, for up to `busyTimeoutMs`.
 */
export class SqliteOutboxStore implements OutboxStore {
  readonly dialect = 'sqlite';
  readonly description: string;
  /** Absolute path of the database file. */
  readonly file: string;
  private readonly table: string;
  private readonly inboxTable: string;
  private readonly busyTimeoutMs: number;
  private readonly Driver: SqliteDriver;
  private db: BetterSqlite3.Database | undefined;
  private statements: Statements | undefined;
  private prepared = false;

  constructor(options: SqliteOutboxStoreOptions) {
    const store = 'SqliteOutboxStore';
    if (typeof options?.file !== 'string' || options.file.length === 0) {
      throw new OutboxStoreError(
        `${store} needs "file": the SQLite database file the application's transactions write to.`,
      );
    }
    this.file = options.file === ':memory:' ? options.file : resolve(options.file);
    this.table = tableName(store, 'table', options.table, DEFAULT_OUTBOX_TABLE);
    this.inboxTable = tableName(store, 'inboxTable', options.inboxTable, DEFAULT_INBOX_TABLE);
    this.busyTimeoutMs = checkWholeNumber(
      store,
      'busyTimeoutMs',
      options.busyTimeoutMs ?? 5000,
      BUSY_TIMEOUT_RULE,
      OutboxStoreError,
    );
    this.description = `SQLite ${this.file} (tables ${this.table}, ${this.inboxTable})`;
    this.Driver = loadDriver<SqliteDriver>('better-sqlite3', store, OutboxStoreError);
  }

  async prepare(): Promise<void> {
    if (this.prepared) return;
    const db = this.open();
    const t = this.table;
    try {
      await this.whenFree(() =>
        db.exec(`
          CREATE TABLE IF NOT EXISTS "${t}" (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            key TEXT NOT NULL,
            headers TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            available_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            lease_owner TEXT,
            lease_until INTEGER
          );
          CREATE INDEX IF NOT EXISTS "${t}_key_seq" ON "${t}" (key, seq);
          CREATE TABLE IF NOT EXISTS "${this.inboxTable}" (
            event_id TEXT NOT NULL,
            handler TEXT NOT NULL,
            handled_at INTEGER NOT NULL,
            PRIMARY KEY (event_id, handler)
          ) WITHOUT ROWID;`),
      );
    } catch (error) {
      throw new OutboxStoreError(
        `Cannot create the outbox tables in the SQLite database "${this.file}": ${errorMessage(error)}.`,
        { cause: error },
      );
    }
    this.prepared = true;
  }

  async enqueue(run: SqlExecutor, entries: readonly OutboxEntry[]): Promise<void> {
    const columns = [...ENTRY_COLUMNS, 'created_at', 'available_at'].join(', ');
    const now = Date.now();
    for (const slice of chunks(entries, ROWS_PER_INSERT)) {
      const rows = slice.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
      const params = slice.flatMap((entry) => [...entryValues(entry), now, now]);
      await run(`INSERT INTO "${this.table}" (${columns}) VALUES ${rows}`, params);
    }
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<OutboxRecord[]> {
    const { claim } = this.statementsOf();
    const rows = await this.whenFree(() => {
      const now = Date.now();
      return claim.all({ owner, now, until: now + leaseMs, limit }) as RawOutboxRow[];
    });
    return bySeq(rows.map(toRecord));
  }

  async renew(owner: string, seqs: readonly string[], leaseMs: number): Promise<void> {
    if (seqs.length === 0) return;
    const { renew } = this.statementsOf();
    await this.whenFree(() => renew.run({ owner, seqs: seqList(seqs), until: Date.now() + leaseMs }));
  }

  async complete(owner: string, seqs: readonly string[]): Promise<void> {
    if (seqs.length === 0) return;
    const { complete } = this.statementsOf();
    await this.whenFree(() => complete.run({ owner, seqs: seqList(seqs) }));
  }

  async release(owner: string, seqs: readonly string[], error: string, retryAt: Date): Promise<void> {
    if (seqs.length === 0) return;
    const { release } = this.statementsOf();
    await this.whenFree(() =>
      release.run({
        owner,
        seqs: seqList(seqs),
        error: truncateError(error),
        availableAt: retryAt.getTime(),
      }),
    );
  }

  async inspect(): Promise<OutboxDepth> {
    const row = this.statementsOf().inspect.get() as { rows: number; oldest: number | null };
    return { rows: row.rows, oldestAt: row.oldest === null ? undefined : new Date(row.oldest) };
  }

  async recordHandled(run: SqlExecutor, eventId: string, handler: string): Promise<boolean> {
    const changed = await run(
      `INSERT INTO "${this.inboxTable}" (event_id, handler, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
      [eventId, handler, Date.now()],
    );
    return changed > 0;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
    this.prepared = false;
  }

  private open(): BetterSqlite3.Database {
    if (this.db) return this.db;
    try {
      if (this.file !== ':memory:') mkdirSync(dirname(this.file), { recursive: true });
      const db = new this.Driver(this.file);
      db.pragma('journal_mode = WAL');
      // Waiting happens in whenFree(), between turns of the event loop, not inside the driver.
      db.pragma('busy_timeout = 0');
      this.db = db;
      return db;
    } catch (error) {
      throw new OutboxStoreError(
        `Cannot open the SQLite database "${this.file}" for the outbox: ${errorMessage(error)}. ` +
          `Check that its directory exists or can be created and is writable.`,
        { cause: error },
      );
    }
  }

  private statementsOf(): Statements {
    if (this.statements) return this.statements;
    const db = this.open();
    const t = `"${this.table}"`;
    this.statements = {
      claim: db.prepare(`
        UPDATE ${t} SET lease_owner = @owner, lease_until = @until
        WHERE seq IN (
          WITH candidates AS (
            SELECT seq, key FROM ${t}
            WHERE available_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
            ORDER BY seq LIMIT @limit
          )
          SELECT c.seq FROM candidates c
          WHERE NOT EXISTS (
            SELECT 1 FROM ${t} older
            WHERE older.key = c.key AND older.seq < c.seq AND older.seq NOT IN (SELECT seq FROM candidates)
          )
        )
        RETURNING ${RECORD_COLUMNS}`),
      renew: db.prepare(
        `UPDATE ${t} SET lease_until = @until WHERE lease_owner = @owner AND seq IN (SELECT value FROM json_each(@seqs))`,
      ),
      complete: db.prepare(
        `DELETE FROM ${t} WHERE lease_owner = @owner AND seq IN (SELECT value FROM json_each(@seqs))`,
      ),
      release: db.prepare(`
        UPDATE ${t} SET lease_owner = NULL, lease_until = NULL, available_at = @availableAt,
          attempts = attempts + 1, last_error = @error
        WHERE lease_owner = @owner AND seq IN (SELECT value FROM json_each(@seqs))`),
      inspect: db.prepare(`SELECT count(*) AS rows, min(created_at) AS oldest FROM ${t}`),
    };
    return this.statements;
  }

  /**
   * Runs `work` in a `BEGIN IMMEDIATE` transaction on the store's connection; while another connection holds the
   * write lock, tries again after a short pause, for up to `busyTimeoutMs`.
   */
  private async whenFree<T>(work: () => T): Promise<T> {
    const db = this.open();
    const transaction = db.transaction(work);
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 25)) {
      try {
        return transaction.immediate();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await sleep(pause);
    }
  }
}

/** Seqs as a JSON array of numbers, for `json_each`. */
function seqList(seqs: readonly string[]): string {
  return `[${seqs.map((seq) => String(Number(seq))).join(',')}]`;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED' ||
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY_'))
  );
}
