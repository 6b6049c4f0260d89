import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Database, UniqueViolationError, type Queryable, type Row, type SqlParams } from './database';

type Statement = BetterSqlite3.Statement<unknown[], Row>;

/**
 * SQLite through better-sqlite3. Calls are synchronous underneath; a transaction holds a lock so that other
 * requests' statements wait for it instead of landing inside it (one connection serves everyone).
 */
export class SqliteDatabase extends Database {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, Statement>();
  private lock: Promise<void> = Promise.resolve();
  private inTransaction = false;

  constructor(path: string) {
    super();
    this.location = resolve(path);
    try {
      mkdirSync(dirname(this.location), { recursive: true });
      this.db = new BetterSqlite3(this.location);
    } catch (error) {
      throw new Error(`Cannot open the SQLite database at ${this.location}: ${(error as Error).message}`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  async query<T extends Row = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
    await this.waitForTransaction();
    return this.runQuery<T>(sql, params);
  }

  async one<T extends Row = Row>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  async execute(sql: string, params: SqlParams = []): Promise<number> {
    await this.waitForTransaction();
    return this.runExecute(sql, params);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((done) => (release = done));
    await previous;
    this.inTransaction = true;
    const tx: Queryable = {
      query: async <R extends Row>(sql: string, params: SqlParams = []) => this.runQuery<R>(sql, params),
      one: async <R extends Row>(sql: string, params: SqlParams = []) => this.runQuery<R>(sql, params)[0],
      execute: async (sql: string, params: SqlParams = []) => this.runExecute(sql, params),
    };
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(tx);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.inTransaction = false;
      release();
    }
  }

  async migrate(statements: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      for (const sql of statements) this.db.exec(sql);
    })();
  }

  async close(): Promise<void> {
    await this.lock;
    if (this.db.open) this.db.close();
  }

  private async waitForTransaction(): Promise<void> {
    while (this.inTransaction) await this.lock;
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], Row>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private runQuery<T extends Row>(sql: string, params: SqlParams): T[] {
    return this.translate(() => this.prepare(sql).all(...toSqlite(params)) as T[]);
  }

  private runExecute(sql: string, params: SqlParams): number {
    return this.translate(() => this.prepare(sql).run(...toSqlite(params)).changes);
  }

  private translate<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new UniqueViolationError((error as Error).message.replace(/^UNIQUE constraint failed: /, ''));
      }
      throw error;
    }
  }
}

/** better-sqlite3 cannot bind booleans. */
function toSqlite(params: SqlParams): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}
