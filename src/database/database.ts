/** A row as returned by the database: column name -> value. */
export type Row = Record<string, unknown>;

/** Parameters bound to `?` placeholders, in order. */
export type SqlParams = readonly (string | number | boolean | null)[];

/** Which SQL engine is behind the `Database`. */
export type SqlDialect = 'sqlite' | 'postgres';

/** What both the database and an open transaction can do. SQL uses `?` placeholders on both back-ends. */
export interface Queryable {
  /** Rows of a SELECT (or of a statement with RETURNING). */
  query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The first row, or undefined. */
  one<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** Runs a statement; resolves with the number of rows it changed. */
  execute(sql: string, params?: SqlParams): Promise<number>;
}

/**
 * The one store every repository of the example app goes through: SQLite (better-sqlite3, synchronous, wrapped
 * in promises) or PostgreSQL (pg), behind the same async interface.
 */
export abstract class Database implements Queryable {
  abstract readonly dialect: SqlDialect;
  /** A human-readable description of where the data lives (file path or host/database), never credentials. */
  abstract readonly location: string;
  abstract query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  abstract one<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  abstract execute(sql: string, params?: SqlParams): Promise<number>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  abstract transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs DDL statements (schema creation); each must be idempotent. */
  abstract migrate(statements: readonly string[]): Promise<void>;
  abstract close(): Promise<void>;
}

/** Thrown when a write breaks a UNIQUE constraint, on either back-end; services turn it into 409. */
export class UniqueViolationError extends Error {
  override readonly name = 'UniqueViolationError';
  constructor(readonly detail: string) {
    super(`A row with the same unique value already exists (${detail}). Use a different value.`);
  }
}
