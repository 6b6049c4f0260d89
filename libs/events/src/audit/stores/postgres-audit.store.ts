import { createHash } from 'node:crypto';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { chainEntries, unrecordedEntries } from '../audit-chain';
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
} from '../audit.interfaces';
import { loadDriver } from '../../common/load-driver';
import { checkIdentifier } from '../../common/store-checks';
import {
  AUDIT_COLUMNS,
  selectRows,
  STRING_COLUMNS_SQL,
  toAuditRow,
  type RawAuditRow,
} from './audit-row.columns';

/** Options of `PostgresAuditStore`. */
export interface PostgresAuditStoreOptions {
  /** e.g. `postgres://user:pass@host:5432/db`; default: the `pg` defaults (PGHOST, PGPORT... env variables). */
  connectionString?: string;
  /** Schema holding the table (created when missing); default `public`. */
  schema?: string;
  /** Default `audit_log`. */
  table?: string;
  /** How long to wait for a connection before failing; default 5000 ms. */
  connectionTimeoutMillis?: number;
  /** Pool size; default 4. */
  maxConnections?: number;
}

interface PgModule {
  Pool: new (config: PoolConfig) => Pool;
}

const UNIQUE_VIOLATION = '23505';

/**
 * The audit trail in PostgreSQL (`pg`). Each append takes a transaction-scoped advisory lock for the table, reads
 * the head under it and inserts the batch, so any number of app instances make one linear chain.
 */
export class PostgresAuditStore implements AuditStore, ChainTextSource {
  private readonly pg: PgModule;
  private readonly config: PoolConfig;
  private readonly qualified: string;
  private readonly schema: string;
  private readonly table: string;
  /** The advisory lock key: derived from the table's name, so two tables never share a lock. */
  private readonly lockKey: string;
  private pool: Pool | undefined;
  /** @internal verify() keeps two pages asked for, so two server backends build them while Node hashes. */
  readonly pagesAhead = 2;

  constructor(options: PostgresAuditStoreOptions = {}) {
    this.schema = checkIdentifier(
      'PostgresAuditStore',
      'schema',
      options.schema ?? 'public',
      AuditStoreError,
    );
    this.table = checkIdentifier(
      'PostgresAuditStore',
      'table',
      options.table ?? 'audit_log',
      AuditStoreError,
    );
    this.qualified = `"${this.schema}"."${this.table}"`;
    const digest = createHash('sha256')
      .update(`nestjs-event-bus:audit:${this.schema}.${this.table}`)
      .digest();
    this.lockKey = digest.readBigInt64BE(0).toString();
    this.config = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
      max: options.maxConnections ?? 4,
    };
    this.pg = loadDriver<PgModule>('pg', 'PostgresAuditStore', AuditStoreError);
  }

  async init(): Promise<void> {
    if (this.pool) return;
    const pool = new this.pg.Pool(this.config);
    // An idle client losing its connection must not crash the app; the next query reports the problem.
    pool.on('error', () => undefined);
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new AuditStoreError(
        `Cannot reach PostgreSQL at ${this.address()} for the audit trail: ${errorMessage(error)}. ` +
          `Check that the server is running and the connection string is right.`,
        { cause: error },
      );
    }
    const release = watchForLoss(client);
    try {
      await client.query('BEGIN');
      // Instances starting together would race on CREATE ... IF NOT EXISTS; the lock makes it one at a time.
      await client.query('SELECT pg_advisory_xact_lock($1)', [this.lockKey]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.qualified} (
          seq bigint PRIMARY KEY,
          event_id text NOT NULL,
          type text NOT NULL,
          version integer NOT NULL,
          timestamp text NOT NULL,
          correlation_id text NOT NULL,
          causation_id text,
          actor_id text,
          source text NOT NULL,
          severity text NOT NULL,
          data text NOT NULL,
          prev_hash text NOT NULL,
          hash text NOT NULL,
          key_id text
        )`);
      // Tables made before the keyed chain have no key_id column: their records are all unkeyed.
      await client.query(`ALTER TABLE ${this.qualified} ADD COLUMN IF NOT EXISTS key_id text`);
      const t = this.table;
      await client.query(`CREATE UNIQUE INDEX IF NOT EXISTS "${t}_event_id" ON ${this.qualified} (event_id)`);
      await client.query(
        `CREATE INDEX IF NOT EXISTS "${t}_correlation" ON ${this.qualified} (correlation_id, seq)`,
      );
      await client.query(`CREATE INDEX IF NOT EXISTS "${t}_type" ON ${this.qualified} (type, seq)`);
      await client.query(`CREATE INDEX IF NOT EXISTS "${t}_actor" ON ${this.qualified} (actor_id, seq)`);
      await client.query(`CREATE INDEX IF NOT EXISTS "${t}_timestamp" ON ${this.qualified} (timestamp, seq)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      release();
      await pool.end().catch(() => undefined);
      throw new AuditStoreError(
        `Cannot create the audit table ${this.qualified} on PostgreSQL at ${this.address()}: ${errorMessage(error)}.`,
        { cause: error },
      );
    }
    release();
    this.pool = pool;
  }

  async append(entries: readonly AuditEntry[], options?: AuditAppendOptions): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.appendOnce(entries, false, options);
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      // A retried batch whose earlier commit succeeded although its answer was lost, or one event twice in the
      // batch: write only what is missing, each record once.
      await this.appendOnce(entries, true, options);
    }
  }

  private async appendOnce(
    entries: readonly AuditEntry[],
    skipKnown: boolean,
    options: AuditAppendOptions | undefined,
  ): Promise<void> {
    const client = await this.connection().connect();
    const release = watchForLoss(client);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [this.lockKey]);
      let fresh = entries;
      if (skipKnown) {
        const existing = await client.query<{ event_id: string }>(
          `SELECT event_id FROM ${this.qualified} WHERE event_id = ANY($1::text[])`,
          [entries.map((entry) => entry.eventId)],
        );
        const known = new Set(existing.rows.map((row) => row.event_id));
        fresh = unrecordedEntries(entries, (eventId) => known.has(eventId));
      }
      const rows = chainEntries(await this.readHead(client), fresh, options?.key);
      if (rows.length > 0) await this.insertRows(client, rows);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      release();
    }
  }

  private async insertRows(client: PoolClient, rows: readonly AuditRow[]): Promise<void> {
    const columns: unknown[][] = Array.from({ length: 14 }, () => new Array<unknown>(rows.length));
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const values = [
        r.seq,
        r.eventId,
        r.type,
        r.version,
        r.timestamp,
        r.correlationId,
        r.causationId,
        r.actorId,
        r.source,
        r.severity,
        r.data,
        r.prevHash,
        r.hash,
        r.keyId ?? null,
      ];
      for (let c = 0; c < 14; c++) columns[c][i] = values[c];
    }
    await client.query(
      `INSERT INTO ${this.qualified} (${AUDIT_COLUMNS})
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                            $14::text[])`,
      columns,
    );
  }

  async query(query: AuditStoreQuery): Promise<AuditRow[]> {
    const { sql, params } = selectRows(this.qualified, query, (n) => `$${n}`);
    const result = await this.connection().query<RawAuditRow>({
      text: sql,
      values: params,
      rowMode: 'array',
    });
    return result.rows.map(toAuditRow);
  }

  /**
   * verify() reads the whole table through here: the server builds each record's hash input, which costs it less
   * than sending 13 values that the driver would turn into 13 strings and Node into the same text again.
   */
  async chainTexts(fromSeq: number, toSeq: number): Promise<ChainText[]> {
    const result = await this.connection().query<ChainText>({
      text: `SELECT seq::float8, ${CHAIN_TEXT}, hash, key_id FROM ${this.qualified} WHERE seq BETWEEN $1 AND $2 ORDER BY seq`,
      values: [fromSeq, toSeq],
      rowMode: 'array',
    });
    return result.rows;
  }

  async head(): Promise<AuditHead | undefined> {
    return this.readHead(this.connection());
  }

  private async readHead(db: Pick<Pool, 'query'>): Promise<AuditHead | undefined> {
    const result = await db.query<{ seq: string; hash: string }>(
      `SELECT seq, hash FROM ${this.qualified} ORDER BY seq DESC LIMIT 1`,
    );
    const last = result.rows[0];
    return last && { seq: Number(last.seq), hash: last.hash };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private connection(): Pool {
    if (!this.pool)
      throw new AuditStoreError(`PostgresAuditStore(${this.qualified}) is not open: call init() first.`);
    return this.pool;
  }

  /** host:port the pool will connect to, for error messages (never the password). */
  private address(): string {
    let host = process.env.PGHOST ?? 'localhost';
    let port = process.env.PGPORT ?? '5432';
    if (this.config.connectionString) {
      try {
        const url = new URL(this.config.connectionString);
        host = url.hostname || host;
        port = url.port || '5432';
      } catch {
        return '(unparsable connection string)';
      }
    }
    return `${host}:${port}`;
  }
}

// As SqliteAuditStore's: the text is the record's canonical JSON when no string value holds a quote or a backslash,
// else NULL (and verify() checks the record from its values). A control character makes a text that no writer
// hashed, so that record is checked from its values too.
const CHAIN_TEXT = `CASE WHEN strpos(${STRING_COLUMNS_SQL}, '"') = 0 AND strpos(${STRING_COLUMNS_SQL}, E'\\\\') = 0 THEN
  prev_hash || '{"actorId":' || coalesce('"' || actor_id || '"', 'null') || ',"causationId":' ||
  coalesce('"' || causation_id || '"', 'null') || ',"correlationId":"' || correlation_id || '","data":' || data ||
  ',"eventId":"' || event_id || '","prevHash":"' || prev_hash || '","seq":' || seq || ',"severity":"' || severity ||
  '","source":"' || source || '","timestamp":"' || timestamp || '","type":"' || type || '","version":' || version ||
  '}' END`;

/**
 * Keeps a checked-out client's 'error' event handled and returns its release. pg-pool listens on idle clients only,
 * so a connection the server ends while lent out (a restart, a failover, an admin's kill) would otherwise crash the
 * app; its pending query fails anyway. Released with that error, the broken connection is dropped, not lent again.
 */
function watchForLoss(client: PoolClient): () => void {
  let lost: Error | undefined;
  const onLost = (error: Error): void => {
    lost = error;
  };
  client.on('error', onLost);
  return () => {
    client.removeListener('error', onLost);
    client.release(lost);
  };
}
