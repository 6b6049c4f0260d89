import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { chainEntries, GENESIS_HASH, unrecordedEntries, type ChainKeyring } from '../audit-chain';
import { errorMessage } from '../../common/error-message';
import { AuditStoreError } from '../../errors/audit-store.error';
import type {
  AuditAppendOptions,
  AuditEntry,
  AuditHead,
  AuditRow,
  AuditStore,
  AuditStoreQuery,
  ChainText,
  ChainTextSource,
  ParallelChainCheck,
} from '../audit.interfaces';
import { VERIFY_PAGE } from '../chain-walk';
import { checkRangeOnThread } from './sqlite-verify.worker';
import { loadDriver } from '../../common/load-driver';
import { BUSY_TIMEOUT_RULE, checkIdentifier, checkWholeNumber } from '../../common/store-checks';
import {
  AUDIT_COLUMNS,
  selectRows,
  STRING_COLUMNS_SQL,
  toAuditRow,
  type RawAuditRow,
} from './audit-row.columns';

/** Options of `SqliteAuditStore`. */
export interface SqliteAuditStoreOptions {
  /** Database file; default `./data/audit.db` (its directory is created on first use). */
  path?: string;
  /** Table name; default `audit_log`. */
  table?: string;
  /**
   * SQLite `synchronous` setting. `full` (default) makes each commit survive a power cut; `normal` survives a
   * process crash only, and is faster.
   */
  synchronous?: 'full' | 'normal';
  /**
   * Threads `verify()` checks a trail of at least 20,000 records on, each taking one part of it; default the
   * machine's cores, at most 4. `1` checks on the main thread only. Whatever the threads find, a chain that is not
   * intact is always walked again on the main thread, which names the first bad record.
   */
  verifyThreads?: number;
  /**
   * How long a write waits for a lock another connection holds (another process writing to the same file) before
   * the attempt fails and the writer retries it later; default 5000 ms. better-sqlite3 is synchronous: the wait
   * pauses the event loop, so keep it short when other processes write to the file.
   */
  busyTimeoutMs?: number;
}

/** Below this many records, starting threads costs more than they save. */
const PARALLEL_VERIFY_FROM = 20_000;

type SqliteDriver = typeof BetterSqlite3;
type Statement = BetterSqlite3.Statement;

/**
 * The audit trail in an SQLite file (better-sqlite3, WAL). Appends run in `BEGIN IMMEDIATE` transactions, so
 * several processes sharing the file still make one chain. `verify()` checks a long trail on worker threads, each
 * reading and hashing one part of it through a connection of its own.
 */
export class SqliteAuditStore implements AuditStore, ChainTextSource, ParallelChainCheck {
  /** Absolute path of the database file. */
  readonly path: string;
  /** @internal better-sqlite3 answers each page at once: verify() gains nothing from asking ahead. */
  readonly pagesAhead = 1;
  private readonly table: string;
  private readonly synchronous: 'full' | 'normal';
  private readonly verifyThreads: number;
  private readonly busyTimeoutMs: number;
  private readonly Driver: SqliteDriver;
  private db: BetterSqlite3.Database | undefined;
  private insert!: Statement;
  private exists!: Statement;
  private headStatement!: Statement;
  private chainTextStatement!: Statement;
  private appendTransaction!: (entries: readonly AuditEntry[], options?: AuditAppendOptions) => void;
  private readonly chainTextSql: string;

  constructor(options: SqliteAuditStoreOptions = {}) {
    this.path = resolve(options.path ?? './data/audit.db');
    this.table = checkIdentifier('SqliteAuditStore', 'table', options.table ?? 'audit_log', AuditStoreError);
    this.synchronous = options.synchronous ?? 'full';
    this.verifyThreads = checkWholeNumber(
      'SqliteAuditStore',
      'verifyThreads',
      options.verifyThreads ?? Math.min(4, availableParallelism()),
      { min: 1, meaning: '1 checks on the main thread only' },
      AuditStoreError,
    );
    this.busyTimeoutMs = checkWholeNumber(
      'SqliteAuditStore',
      'busyTimeoutMs',
      options.busyTimeoutMs ?? 5000,
      BUSY_TIMEOUT_RULE,
      AuditStoreError,
    );
    this.Driver = loadDriver<SqliteDriver>('better-sqlite3', 'SqliteAuditStore', AuditStoreError);
    this.chainTextSql = `SELECT seq, ${CHAIN_TEXT}, hash, key_id FROM ${this.table} WHERE seq BETWEEN ? AND ? ORDER BY seq`;
  }

  async init(): Promise<void> {
    if (this.db) return;
    let db: BetterSqlite3.Database;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      db = new this.Driver(this.path);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.synchronous.toUpperCase()}`);
      db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      this.createSchema(db);
    } catch (error) {
      throw new AuditStoreError(
        `Cannot open the SQLite audit database at "${this.path}": ${errorMessage(error)}. ` +
          `Check that the directory exists or can be created and is writable, or give another path with ` +
          `new SqliteAuditStore({ path }).`,
        { cause: error },
      );
    }
    this.db = db;
    const t = this.table;
    this.insert = db.prepare(
      `INSERT INTO ${t} (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.exists = db.prepare(`SELECT 1 FROM ${t} WHERE event_id = ?`).pluck();
    this.headStatement = db.prepare(`SELECT seq, hash FROM ${t} ORDER BY seq DESC LIMIT 1`);
    this.chainTextStatement = db.prepare(this.chainTextSql).raw();
    const transaction = db.transaction(
      (entries: readonly AuditEntry[], skipKnown: boolean, options?: AuditAppendOptions) => {
        const fresh = skipKnown
          ? unrecordedEntries(entries, (eventId) => this.exists.get(eventId) !== undefined)
          : entries;
        for (const row of chainEntries(this.readHead(), fresh, options?.key)) {
          this.insert.run(
            row.seq,
            row.eventId,
            row.type,
            row.version,
            row.timestamp,
            row.correlationId,
            row.causationId,
            row.actorId,
            row.source,
            row.severity,
            row.data,
            row.prevHash,
            row.hash,
            row.keyId ?? null,
          );
        }
      },
    );
    this.appendTransaction = (entries, options) => {
      try {
        transaction.immediate(entries, false, options);
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
        // A retried batch already (partly) in, or one event twice in the batch: the transaction rolled back;
        // write only the records not in yet, each once.
        transaction.immediate(entries, true, options);
      }
    };
  }

  private createSchema(db: BetterSqlite3.Database): void {
    const t = this.table;
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${t} (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        version INTEGER NOT NULL,
        timestamp TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        causation_id TEXT,
        actor_id TEXT,
        source TEXT NOT NULL,
        severity TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        key_id TEXT
      );
      CREATE UNIQUE INDEX IF NOT EXISTS ${t}_event_id ON ${t} (event_id);
      CREATE INDEX IF NOT EXISTS ${t}_correlation ON ${t} (correlation_id, seq);
      CREATE INDEX IF NOT EXISTS ${t}_type ON ${t} (type, seq);
      CREATE INDEX IF NOT EXISTS ${t}_actor ON ${t} (actor_id, seq);
      CREATE INDEX IF NOT EXISTS ${t}_timestamp ON ${t} (timestamp, seq);
    `);
    // Tables made before the keyed chain have no key_id column: their records are all unkeyed.
    const columns = db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[];
    if (!columns.some((column) => column.name === 'key_id'))
      db.exec(`ALTER TABLE ${t} ADD COLUMN key_id TEXT`);
  }

  async append(entries: readonly AuditEntry[], options?: AuditAppendOptions): Promise<void> {
    if (entries.length === 0) return;
    this.appendTransaction(entries, options);
  }

  async query(query: AuditStoreQuery): Promise<AuditRow[]> {
    const { sql, params } = selectRows(this.table, query, () => '?');
    return this.database
      .prepare(sql)
      .raw()
      .all(...params)
      .map((raw) => toAuditRow(raw as RawAuditRow));
  }

  /** verify() reads the whole table through here: one text per record is much cheaper to read than 13 values. */
  async chainTexts(fromSeq: number, toSeq: number): Promise<ChainText[]> {
    return this.database && (this.chainTextStatement.all(fromSeq, toSeq) as ChainText[]);
  }

  /** @internal verify(): true when records 1 to `head.seq` form an intact chain ending in `head.hash`. */
  async chainIntactUpTo(head: AuditHead, keyring?: ChainKeyring): Promise<boolean> {
    void this.database; // throws when the store is not open
    const threads = Math.min(this.verifyThreads, Math.floor(head.seq / VERIFY_PAGE));
    if (threads < 2 || head.seq < PARALLEL_VERIFY_FROM) return false;
    const part = Math.ceil(head.seq / threads);
    const driverPath = require.resolve('better-sqlite3');
    const ranges = await Promise.all(
      Array.from({ length: threads }, (_, i) =>
        checkRangeOnThread({
          driverPath,
          path: this.path,
          chainTextSql: this.chainTextSql,
          fromSeq: i * part + 1,
          toSeq: Math.min(head.seq, (i + 1) * part),
          page: VERIFY_PAGE,
          keys: [...(keyring?.keys ?? [])].map(([id, secret]) => [id, secret.toString('hex')]),
          unkeyedUpTo: keyring?.unkeyedUpTo ?? Infinity,
        }),
      ),
    );
    let link = GENESIS_HASH;
    for (const range of ranges) {
      if (!range.linked || range.startLink !== link) return false;
      link = range.endHash;
    }
    return link === head.hash;
  }

  async head(): Promise<AuditHead | undefined> {
    return this.database && this.readHead();
  }

  private readHead(): AuditHead | undefined {
    return this.headStatement.get() as AuditHead | undefined;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  private get database(): BetterSqlite3.Database {
    if (!this.db)
      throw new AuditStoreError(`SqliteAuditStore("${this.path}") is not open: call init() first.`);
    return this.db;
  }
}

// The string values' text is written between plain quotes, which is their canonical JSON only when none holds a
// quote or a backslash: otherwise (and when version is not an integer, or a NOT NULL column holds NULL) the text is
// NULL and verify() checks the record from its values. A control character is not caught here, but it makes the
// text differ from any canonical JSON, so the hash does not match and the record is checked from its values too.
const CHAIN_TEXT = `CASE WHEN instr(${STRING_COLUMNS_SQL}, '"') = 0 AND instr(${STRING_COLUMNS_SQL}, '\\') = 0
    AND typeof(version) = 'integer' THEN printf('%s{"actorId":%s,"causationId":%s,"correlationId":"%s","data":%s,\
"eventId":"%s","prevHash":"%s","seq":%d,"severity":"%s","source":"%s","timestamp":"%s","type":"%s","version":%d}',
    prev_hash, coalesce('"' || actor_id || '"', 'null'), coalesce('"' || causation_id || '"', 'null'),
    correlation_id, data, event_id, prev_hash, seq, severity, source, timestamp, type, version) END`;
