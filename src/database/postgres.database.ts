import { Pool, type PoolClient } from 'pg';
import { Database, UniqueViolationError, type Queryable, type Row, type SqlParams } from './database';

/** Options of the PostgreSQL back-end. */
export interface PostgresDatabaseOptions {
  connectionString: string;
  /** A schema to create (if missing) and put first on the search path; default `public`. */
  schema?: string;
}

/** PostgreSQL through a `pg` pool. `?` placeholders are rewritten to `$1, $2...`. */
export class PostgresDatabase extends Database {
  readonly dialect = 'postgres' as const;
  readonly location: string;
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly positionalCache = new Map<string, string>();

  constructor(options: PostgresDatabaseOptions) {
    super();
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) {
      throw new Error(
        `DATABASE_SCHEMA "${this.schema}" is not a plain lower-case identifier; pick one like "app".`,
      );
    }
    const url = new URL(options.connectionString);
    this.location = `postgres://${url.hostname}:${url.port || 5432}${url.pathname} (schema ${this.schema})`;
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: 10,
      connectionTimeoutMillis: 5000,
    });
    this.pool.on('connect', (client) => {
      void client.query(`SET search_path TO "${this.schema}"`).catch(() => undefined);
    });
    // An idle client erroring (server restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async query<T extends Row = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
    return runOn<T>(this.pool, this.positional(sql), params);
  }

  async one<T extends Row = Row>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  async execute(sql: string, params: SqlParams = []): Promise<number> {
    return executeOn(this.pool, this.positional(sql), params);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Queryable = {
      query: <R extends Row>(sql: string, params: SqlParams = []) =>
        runOn<R>(client, this.positional(sql), params),
      one: async <R extends Row>(sql: string, params: SqlParams = []) =>
        (await runOn<R>(client, this.positional(sql), params))[0],
      execute: (sql: string, params: SqlParams = []) => executeOn(client, this.positional(sql), params),
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async migrate(statements: readonly string[]): Promise<void> {
    const client = await this.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(`SET search_path TO "${this.schema}"`);
      // Two instances starting together must not race on CREATE TABLE.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`example-app-schema:${this.schema}`]);
      for (const sql of statements) await client.query(sql);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** `?` -> `$n`, outside quoted strings; memoised per statement text. */
  private positional(sql: string): string {
    let converted = this.positionalCache.get(sql);
    if (converted === undefined) {
      let n = 0;
      let quoted = false;
      converted = '';
      for (const ch of sql) {
        if (ch === "'") quoted = !quoted;
        converted += ch === '?' && !quoted ? `$${++n}` : ch;
      }
      if (this.positionalCache.size < 1000) this.positionalCache.set(sql, converted);
    }
    return converted;
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new Error(`Cannot reach PostgreSQL at ${this.location}: ${(error as Error).message}`);
    }
  }
}

type Runner = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

async function runOn<T extends Row>(runner: Runner, sql: string, params: SqlParams): Promise<T[]> {
  try {
    const result = await runner.query(sql, params as unknown[]);
    return result.rows as unknown as T[];
  } catch (error) {
    throw translate(error);
  }
}

async function executeOn(runner: Runner, sql: string, params: SqlParams): Promise<number> {
  try {
    const result = await runner.query(sql, params as unknown[]);
    return result.rowCount ?? 0;
  } catch (error) {
    throw translate(error);
  }
}

function translate(error: unknown): unknown {
  const pgError = error as { code?: string; constraint?: string; detail?: string };
  if (pgError.code === '23505')
    return new UniqueViolationError(pgError.constraint ?? pgError.detail ?? 'unique');
  return error;
}
