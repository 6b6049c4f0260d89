import { randomUUID } from 'node:crypto';
import type { OutboxEntry, OutboxStore, SqlExecutor } from 'nestjs-event-bus/outbox';

/** A real database for outbox tests: the application's own connection, and stores on the same database. */
export interface OutboxBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** A new store (with connections of its own) on the test's database. */
  store(options?: { table?: string; inboxTable?: string }): OutboxStore;
  /** Runs `work` in a real transaction of the application's connection, then commits or rolls it back. */
  transaction(outcome: 'commit' | 'rollback', work: (run: SqlExecutor) => Promise<void>): Promise<void>;
  /** Rows of a query on the application's connection (to look at columns the port does not return). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** The outbox table's name as SQL, for `rows()`. */
  tableSql(table?: string): string;
  close(): Promise<void>;
}

/** An event as the outbox writes it; `key` orders it. */
export function entry(key: string, n: number, body?: string): OutboxEntry {
  const eventId = randomUUID();
  return {
    eventId,
    type: 'order.placed',
    key,
    headers: { 'event-id': eventId, 'event-type': 'order.placed', 'correlation-id': key },
    body: body ?? JSON.stringify({ id: eventId, type: 'order.placed', data: { n } }),
  };
}

/** Commits `entries` in one transaction. */
export function commit(
  backend: OutboxBackend,
  store: OutboxStore,
  entries: readonly OutboxEntry[],
): Promise<void> {
  return backend.transaction('commit', (run) => store.enqueue(run, entries));
}
