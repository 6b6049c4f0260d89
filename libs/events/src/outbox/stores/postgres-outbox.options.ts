import type { Pool, PoolConfig } from 'pg';

/** Options of `PostgresOutboxStore`. */
export interface PostgresOutboxStoreOptions {
  /**
   * A connection string, `pg` pool settings, or a `Pool` of the application's (which `close()` leaves open). The
   * store claims and deletes rows through it and holds one more connection for `LISTEN`.
   */
  connection: string | PoolConfig | Pool;
  /** Schema of the tables (created when missing); default `public`. */
  schema?: string;
  /** The outbox table; default `event_outbox`. */
  table?: string;
  /** The inbox table of `idempotent` handlers; default `event_inbox`. */
  inboxTable?: string;
  /**
   * The `NOTIFY` channel a commit with outbox rows signals on (at most 63 characters); default `<schema>.<table>`
   * (shortened with a hash when longer).
   */
  notifyChannel?: string;
}
