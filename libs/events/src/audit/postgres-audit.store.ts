import { createHash } from 'node:crypto';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { chainEntries } from './audit-chain';
import { AuditStoreError } from './audit.errors';
import type { AuditEntry, AuditHead, AuditRow, AuditStore, AuditStoreQuery } from './audit.interfaces';
import { checkIdentifier, loadDriver } from './load-driver';
import { AUDIT_COLUMNS, toAuditRow, type RawAuditRow } from './audit-row.columns';

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
export class PostgresAuditStore implements AuditStore {
  private readonly pg: PgModule;
  private readonly config: PoolConfig;
  private readonly qualified: string;
  private readonly schema: string;
  private readonly table: string;
  /** The advisory lock key: derived from the table's name, so two tables never share a lock. */
  private readonly lockKey: string;
  private pool: Pool | undefined;

  constructor(options: PostgresAuditStoreOptions = {}) {
    this.schema = checkIdentifier('PostgresAuditStore', 'schema', options.schema ?? 'public');
    this.table = checkIdentifier('PostgresAuditStore', 'table', options.table ?? 'audit_log');
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
    this.pg = loadDriver<PgModule>('pg', 'PostgresAuditStore');
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
        `Cannot reach PostgreSQL at ${this.address()} for the audit trail: ${(error as Error).message}. ` +
          `Check that the server is running and the connection string is right.`,
        { cause: error },
      );
    }
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
          hash text NOT NULL
        )`);
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
      client.release();
      await pool.end().catch(() => undefined);
      throw new AuditStoreError(
        `Cannot create the audit table ${this.qualified} on PostgreSQL at ${this.address()}: ${(error as Error).message}.`,
        { cause: error },
      );
    }
    client.release();
    this.pool = pool;
  }

  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.appendOnce(entries, false);
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      // A retried batch whose earlier commit succeeded although its answer was lost: write only what is missing.
      await this.appendOnce(entries, true);
    }
  }

  private async appendOnce(entries: readonly AuditEntry[], skipKnown: boolean): Promise<void> {
    const client = await this.connection().connect();
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
        fresh = entries.filter((entry) => !known.has(entry.eventId));
      }
      const head = await client.query<{ seq: string; hash: string }>(
        `SELECT seq, hash FROM ${this.qualified} ORDER BY seq DESC LIMIT 1`,
      );
      const last = head.rows[0];
      const rows = chainEntries(last && { seq: Number(last.seq), hash: last.hash }, fresh);
      if (rows.length > 0) await this.insertRows(client, rows);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async insertRows(client: PoolClient, rows: readonly AuditRow[]): Promise<void> {
    const columns: unknown[][] = Array.from({ length: 13 }, () => new Array<unknown>(rows.length));
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
      ];
      for (let c = 0; c < 13; c++) columns[c][i] = values[c];
    }
    await client.query(
      `INSERT INTO ${this.qualified} (${AUDIT_COLUMNS})
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`,
      columns,
    );
  }

  async query(query: AuditStoreQuery): Promise<AuditRow[]> {
    const where = ['seq > $1'];
    const params: (string | number)[] = [query.afterSeq];
    const filter = (column: string, op: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    filter('correlation_id', '=', query.correlationId);
    filter('type', '=', query.type);
    filter('actor_id', '=', query.actorId);
    filter('timestamp', '>=', query.from);
    filter('timestamp', '<', query.to);
    params.push(query.limit);
    const from = `FROM (SELECT ${AUDIT_COLUMNS} FROM ${this.qualified} WHERE ${where.join(' AND ')}
             ORDER BY seq LIMIT $${params.length}) AS page_rows`;
    // verify() reads the whole table through here. The page comes back as one text of separated fields: the
    // server builds it about twice as fast as JSON, and splitting it is cheaper than the driver building 13
    // values per row. Text columns arrive exactly as stored, so the hashes are checked over the bytes stored.
    const fast = await this.connection().query<{ n: number; page: string | null }>(
      `SELECT count(*)::int AS n, string_agg(${SEPARATED_ROW}, E'\\x1e' ORDER BY seq) AS page ${from}`,
      params,
    );
    const rows = splitPage(fast.rows[0].page, fast.rows[0].n);
    if (rows) return rows;
    // A value holding a separator (only a tampered or unusual row does): read the page as JSON, exact for any text.
    const result = await this.connection().query<{ page: string }>(
      `SELECT coalesce(json_agg(json_build_array(${AUDIT_COLUMNS}) ORDER BY seq), '[]')::text AS page ${from}`,
      params,
    );
    return (JSON.parse(result.rows[0].page) as RawAuditRow[]).map(toAuditRow);
  }

  async head(): Promise<AuditHead | undefined> {
    const result = await this.connection().query<{ seq: string; hash: string }>(
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

const FIELD = '\x1f';
const RECORD = '\x1e';
// Nullable columns carry a prefix ('s' + value, or 'n' for null) so that no string can pass for a null.
const SEPARATED_ROW = `concat_ws(E'\\x1f', seq, event_id, type, version, timestamp, correlation_id,
  coalesce('s' || causation_id, 'n'), coalesce('s' || actor_id, 'n'), source, severity, data, prev_hash, hash)`;

/**
 * The rows of a separated page, or undefined when a value held a separator: then the page does not split into
 * exactly `count` records of 13 fields each, and splitting it would not give back the values stored.
 */
function splitPage(page: string | null, count: number): AuditRow[] | undefined {
  if (count === 0) return [];
  if (page === null) return undefined;
  const records = page.split(RECORD);
  if (records.length !== count) return undefined;
  const rows = new Array<AuditRow>(count);
  for (let i = 0; i < count; i++) {
    const f = records[i].split(FIELD);
    if (f.length !== 13) return undefined;
    rows[i] = {
      seq: Number(f[0]),
      eventId: f[1],
      type: f[2],
      version: Number(f[3]),
      timestamp: f[4],
      correlationId: f[5],
      causationId: f[6] === 'n' ? null : f[6].slice(1),
      actorId: f[7] === 'n' ? null : f[7].slice(1),
      source: f[8],
      severity: f[9],
      data: f[10],
      prevHash: f[11],
      hash: f[12],
    };
  }
  return rows;
}
