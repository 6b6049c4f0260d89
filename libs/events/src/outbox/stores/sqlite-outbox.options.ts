/** Options of `SqliteOutboxStore`. */
export interface SqliteOutboxStoreOptions {
  /**
   * The database file: the one the application's transactions write to (for example TypeORM's `database`), so an
   * outbox row commits or rolls back with them.
   */
  file: string;
  /** The outbox table; default `event_outbox`. */
  table?: string;
  /** The inbox table of `idempotent` handlers; default `event_inbox`. */
  inboxTable?: string;
  /** How long the store's own connection waits for another writer's lock; default 5000 ms. */
  busyTimeoutMs?: number;
}
