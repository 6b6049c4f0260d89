/**
 * Where events emitted inside a database transaction wait for its commit: rows written through the
 * transaction's own connection (so a rollback removes them), then claimed by a relay that delivers and
 * publishes them and deletes them once that succeeded. Implementations: `PostgresOutboxStore` and
 * `SqliteOutboxStore` in `nestjs-event-bus/outbox`. The same store keeps the inbox of `idempotent` handlers.
 */
export interface OutboxStore {
  /** Which SQL the store writes through a transaction's connection: `$1` placeholders or `?`. */
  readonly dialect: 'postgres' | 'sqlite';
  /** Where the rows live, for logs and the startup summary (never credentials). */
  readonly description: string;
  /** Creates the outbox and inbox tables and their indexes when missing; safe to call on every start. */
  prepare(): Promise<void>;
  /** Writes `entries`, in order, through `run`: the open transaction's own connection. */
  enqueue(run: SqlExecutor, entries: readonly OutboxEntry[]): Promise<void>;
  /**
   * Leases up to `limit` rows to `owner` for `leaseMs`, oldest first: rows that are due (not backing off) and not
   * leased by another owner whose lease is still running. A row is left out while an older row with the same
   * `key` is not part of this claim, so a key's rows are published in order even with several relays.
   */
  claim(owner: string, limit: number, leaseMs: number): Promise<OutboxRecord[]>;
  /**
   * Extends to `leaseMs` from now the lease of those of `seqs` that `owner` still holds, so that a batch whose
   * deliveries run longer than one lease is not taken over (and delivered again) by another relay. Optional: a
   * store without it keeps the first lease, and a slow batch may then be delivered twice.
   */
  renew?(owner: string, seqs: readonly string[], leaseMs: number): Promise<void>;
  /** Deletes rows `owner` published (its lease must still hold them; others are left alone). */
  complete(owner: string, seqs: readonly string[]): Promise<void>;
  /** Gives rows back after a failed publish: not due again before `retryAt`, `attempts` + 1, `error` kept. */
  release(owner: string, seqs: readonly string[], error: string, retryAt: Date): Promise<void>;
  /** How many rows wait and how old the oldest is (for metrics and health). */
  inspect(): Promise<OutboxDepth>;
  /**
   * Calls `wake` soon after another connection commits rows (PostgreSQL `LISTEN`/`NOTIFY`). Optional: the relay
   * polls too. Returns a function that stops listening.
   */
  listen?(wake: () => void): Promise<() => Promise<void>>;
  /**
   * Inbox: records that `handler` committed its effect for `eventId`, through `run` (the handler's own
   * transaction). Resolves `false` when it was recorded before: the handler must not run again.
   */
  recordHandled(run: SqlExecutor, eventId: string, handler: string): Promise<boolean>;
  /** Closes the store's own connections (not the application's). */
  close(): Promise<void>;
}

/**
 * Runs one SQL statement (in the store's dialect) on a transaction's own connection and resolves with the
 * number of rows it changed.
 */
export type SqlExecutor = (sql: string, params: readonly unknown[]) => Promise<number>;

/** An event as the outbox writes it: the codec's headers and exact JSON, and the key that orders it. */
export interface OutboxEntry {
  readonly eventId: string;
  readonly type: string;
  /** Events with one key are published in the order they were written (default: the correlation id). */
  readonly key: string;
  /** `encodeEvent()` headers, with `traceparent`/`tracestate` when a tracer gave them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A row a relay claimed. */
export interface OutboxRecord extends OutboxEntry {
  /** The store's order of writing (a bigint as text on PostgreSQL). */
  readonly seq: string;
  readonly createdAt: Date;
  /** Failed publishes so far. */
  readonly attempts: number;
}

/** What waits in the outbox. */
export interface OutboxDepth {
  readonly rows: number;
  /** When the oldest waiting row was written; undefined when none waits. */
  readonly oldestAt: Date | undefined;
}

/** Injection token of the module's `OutboxStore`. */
export const OUTBOX_STORE = Symbol('OUTBOX_STORE');
