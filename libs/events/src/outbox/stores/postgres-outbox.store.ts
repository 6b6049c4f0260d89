import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Client, ClientConfig, Pool, PoolConfig } from 'pg';
import { errorMessage } from '../../common/error-message';
import { loadDriver } from '../../common/load-driver';
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
import { PgListener } from './pg-listener';
import type { PostgresOutboxStoreOptions } from './postgres-outbox.options';

interface PgModule {
  Pool: new (config: PoolConfig) => Pool;
  Client: new (config: ClientConfig) => Client;
}

const STORE = 'PostgresOutboxStore';
/** Rows per INSERT statement of `enqueue` (5 parameters each, far below PostgreSQL's 65535). */
const ROWS_PER_INSERT = 1000;

/**
 * The outbox and inbox in PostgreSQL (`pg`). Rows are written by the application's transaction (through the
 * `SqlExecutor` it is given, `$n` placeholders) with a `pg_notify` that PostgreSQL sends only if that transaction
 * commits. Claims are one statement (`FOR UPDATE SKIP LOCKED`, then a lease), so relays in any number of processes
 * share the table without a long transaction and without taking each other's rows or breaking a key's order.
 */
export class PostgresOutboxStore implements OutboxStore {
  readonly dialect = 'postgres';
  readonly description: string;
  /** The `NOTIFY` channel of this table. */
  readonly channel: string;
  private readonly pg: PgModule;
  private readonly schema: string;
  private readonly qualified: string;
  private readonly inbox: string;
  private readonly table: string;
  private readonly lockKey: string;
  private readonly given: Pool | undefined;
  private readonly config: PoolConfig;
  private own: Pool | undefined;
  private readonly listeners = new Set<PgListener>();
  private prepared = false;

  constructor(options: PostgresOutboxStoreOptions) {
    if (options?.connection === undefined || options.connection === null) {
      throw new OutboxStoreError(
        `${STORE} needs "connection": a connection string, pg pool settings or a pg Pool of the database the ` +
          `application's transactions write to.`,
      );
    }
    this.schema = tableName(STORE, 'schema', options.schema, 'public');
    this.table = tableName(STORE, 'table', options.table, DEFAULT_OUTBOX_TABLE);
    const inboxTable = tableName(STORE, 'inboxTable', options.inboxTable, DEFAULT_INBOX_TABLE);
    this.qualified = `"${this.schema}"."${this.table}"`;
    this.inbox = `"${this.schema}"."${inboxTable}"`;
    this.channel = checkChannel(options.notifyChannel ?? defaultChannel(this.schema, this.table));
    this.lockKey = createHash('sha256')
      .update(`nestjs-event-bus:outbox:${this.schema}.${this.table}`)
      .digest()
      .readBigInt64BE(0)
      .toString();
    this.pg = loadDriver<PgModule>('pg', STORE, OutboxStoreError);
    const { connection } = options;
    this.given = isPool(connection) ? connection : undefined;
    this.config = isPool(connection)
      ? connection.options
      : typeof connection === 'string'
        ? { connectionString: connection }
        : connection;
    this.description = `PostgreSQL ${address(this.config)} (${this.qualified}, ${this.inbox})`;
  }

  async prepare(): Promise<void> {
    if (this.prepared) return;
    const pool = this.pool();
    let client;
    try {
      client = await pool.connect();
    } catch (error) {
      throw new OutboxStoreError(
        `Cannot reach PostgreSQL at ${address(this.config)} for the outbox: ${errorMessage(error)}. ` +
          `Check that the server is running and the connection settings are right.`,
        { cause: error },
      );
    }
    try {
      await client.query('BEGIN');
      // Instances starting together would race on CREATE ... IF NOT EXISTS; the lock makes it one at a time.
      await client.query('SELECT pg_advisory_xact_lock($1)', [this.lockKey]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      // Half-full pages leave room for the lease updates of claim and release to stay on their page (HOT), so they
      // write no index entries: the table holds what waits, not history.
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.qualified} (
          seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          event_id text NOT NULL,
          type text NOT NULL,
          key text NOT NULL,
          headers jsonb NOT NULL,
          body text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          available_at timestamptz NOT NULL DEFAULT now(),
          attempts integer NOT NULL DEFAULT 0,
          last_error text,
          lease_owner text,
          lease_until timestamptz
        ) WITH (fillfactor = 50)`);
      const t = this.table;
      await client.query(`CREATE UNIQUE INDEX IF NOT EXISTS "${t}_event_id" ON ${this.qualified} (event_id)`);
      await client.query(`CREATE INDEX IF NOT EXISTS "${t}_key_seq" ON ${this.qualified} (key, seq)`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.inbox} (
          event_id text NOT NULL,
          handler text NOT NULL,
          handled_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (event_id, handler)
        )`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new OutboxStoreError(
        `Cannot create the outbox tables ${this.qualified} and ${this.inbox} on PostgreSQL at ` +
          `${address(this.config)}: ${errorMessage(error)}.`,
        { cause: error },
      );
    } finally {
      client.release();
    }
    this.prepared = true;
  }

  async enqueue(run: SqlExecutor, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const slices = chunks(entries, ROWS_PER_INSERT);
    for (const [i, slice] of slices.entries()) {
      const width = ENTRY_COLUMNS.length;
      const rows = slice.map(
        (_, row) => `(${ENTRY_COLUMNS.map((_, column) => `$${row * width + column + 1}`).join(', ')})`,
      );
      const insert = `INSERT INTO ${this.qualified} (${ENTRY_COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`;
      const params = slice.flatMap(entryValues);
      if (i < slices.length - 1) {
        await run(insert, params);
        continue;
      }
      // The NOTIFY rides in the last INSERT's statement (one round trip less); PostgreSQL delivers it to
      // listeners only if and when the transaction commits.
      await run(`WITH written AS (${insert} RETURNING 1) SELECT pg_notify($${params.length + 1}, '')`, [
        ...params,
        this.channel,
      ]);
    }
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<OutboxRecord[]> {
    const t = this.qualified;
    const { rows } = await this.pool().query<RawOutboxRow>(
      `WITH candidates AS (
         SELECT seq, key FROM ${t}
         WHERE available_at <= now() AND (lease_until IS NULL OR lease_until <= now())
         ORDER BY seq LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), kept AS (
         SELECT c.seq FROM candidates c
         WHERE NOT EXISTS (
           SELECT 1 FROM ${t} older
           WHERE older.key = c.key AND older.seq < c.seq
             AND older.seq NOT IN (SELECT seq FROM candidates)
         )
       )
       UPDATE ${t} SET lease_owner = $1, lease_until = now() + $3 * interval '1 millisecond'
       FROM kept WHERE ${t}.seq = kept.seq
       RETURNING ${RECORD_COLUMNS.split(', ')
         .map((column) => `${t}.${column}`)
         .join(', ')}`,
      [owner, limit, leaseMs],
    );
    return bySeq(rows.map(toRecord));
  }

  async renew(owner: string, seqs: readonly string[], leaseMs: number): Promise<void> {
    if (seqs.length === 0) return;
    await this.pool().query(
      `UPDATE ${this.qualified} SET lease_until = now() + $3 * interval '1 millisecond'
       WHERE lease_owner = $1 AND seq = ANY($2::bigint[])`,
      [owner, seqs, leaseMs],
    );
  }

  async complete(owner: string, seqs: readonly string[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.pool().query(
      `DELETE FROM ${this.qualified} WHERE lease_owner = $1 AND seq = ANY($2::bigint[])`,
      [owner, seqs],
    );
  }

  async release(owner: string, seqs: readonly string[], error: string, retryAt: Date): Promise<void> {
    if (seqs.length === 0) return;
    await this.pool().query(
      `UPDATE ${this.qualified}
       SET lease_owner = NULL, lease_until = NULL, available_at = $3, attempts = attempts + 1, last_error = $4
       WHERE lease_owner = $1 AND seq = ANY($2::bigint[])`,
      [owner, seqs, retryAt, truncateError(error)],
    );
  }

  async inspect(): Promise<OutboxDepth> {
    const { rows } = await this.pool().query<{ rows: number; oldest: Date | null }>(
      `SELECT count(*)::int AS rows, min(created_at) AS oldest FROM ${this.qualified}`,
    );
    return { rows: rows[0].rows, oldestAt: rows[0].oldest ?? undefined };
  }

  async listen(wake: () => void): Promise<() => Promise<void>> {
    const listener = new PgListener(
      () => new this.pg.Client({ ...this.config, keepAlive: true }),
      this.channel,
      wake,
      new Logger(STORE),
      address(this.config),
    );
    this.listeners.add(listener);
    await listener.start();
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  async recordHandled(run: SqlExecutor, eventId: string, handler: string): Promise<boolean> {
    const inserted = await run(
      `INSERT INTO ${this.inbox} (event_id, handler) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [eventId, handler],
    );
    return inserted > 0;
  }

  async close(): Promise<void> {
    const listeners = [...this.listeners];
    this.listeners.clear();
    await Promise.all(listeners.map((listener) => listener.stop()));
    const own = this.own;
    this.own = undefined;
    this.prepared = false;
    await own?.end();
  }

  private pool(): Pool {
    if (this.given) return this.given;
    if (!this.own) {
      this.own = new this.pg.Pool({ max: 4, connectionTimeoutMillis: 5000, ...this.config });
      // An idle client losing its connection must not crash the app; the next query reports the problem.
      this.own.on('error', () => undefined);
    }
    return this.own;
  }
}

function isPool(value: unknown): value is Pool {
  const candidate = value as Partial<Pool> | undefined;
  return (
    typeof candidate?.connect === 'function' &&
    typeof candidate.query === 'function' &&
    typeof candidate.end === 'function' &&
    typeof candidate.options === 'object'
  );
}

/** `<schema>.<table>`, or a shortened form with a hash when that is longer than a channel name may be. */
function defaultChannel(schema: string, table: string): string {
  const full = `${schema}.${table}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 16);
  return `${table.slice(0, 46)}_${hash}`;
}

function checkChannel(channel: unknown): string {
  if (typeof channel === 'string' && channel.length > 0 && channel.length <= 63) return channel;
  throw new OutboxStoreError(
    `${STORE}: notifyChannel must be 1 to 63 characters, received ${String(channel)}.`,
  );
}

/** Where the database is, for messages: host, port and database, never the credentials. */
function address(config: PoolConfig): string {
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      return `${url.hostname || 'localhost'}:${url.port || 5432}${url.pathname}`;
    } catch {
      return 'the configured server';
    }
  }
  const host = config.host ?? process.env.PGHOST ?? 'localhost';
  const port = config.port ?? process.env.PGPORT ?? 5432;
  return `${host}:${port}/${config.database ?? process.env.PGDATABASE ?? ''}`;
}
