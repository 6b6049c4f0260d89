import { checkIdentifier } from '../../common/store-checks';
import type { OutboxEntry, OutboxRecord } from '../../bus/ports/outbox-store.port';
import { OutboxStoreError } from '../outbox.errors';

/** Default table names of both stores. */
export const DEFAULT_OUTBOX_TABLE = 'event_outbox';
export const DEFAULT_INBOX_TABLE = 'event_inbox';

/** The longest `last_error` text kept on a row. */
export const MAX_ERROR_LENGTH = 2000;

/** The columns an outbox row is written with, in the order `entryValues` gives them. */
export const ENTRY_COLUMNS = ['event_id', 'type', 'key', 'headers', 'body'] as const;

/** The columns a claim returns. */
export const RECORD_COLUMNS = 'seq, event_id, type, key, headers, body, created_at, attempts';

/** A claimed row as the drivers give it: `headers` already parsed on PostgreSQL (jsonb), text on SQLite. */
export interface RawOutboxRow {
  seq: string | number | bigint;
  event_id: string;
  type: string;
  key: string;
  headers: string | Record<string, string>;
  body: string;
  created_at: Date | number;
  attempts: number;
}

/** A table name option checked as an identifier. */
export function tableName(store: string, what: string, value: unknown, fallback: string): string {
  if (value !== undefined && typeof value !== 'string') {
    throw new OutboxStoreError(`${store}: ${what} must be a string, received ${typeof value}.`);
  }
  return checkIdentifier(store, what, value ?? fallback, OutboxStoreError);
}

/** The values of one entry, in `ENTRY_COLUMNS` order. */
export function entryValues(entry: OutboxEntry): unknown[] {
  return [entry.eventId, entry.type, entry.key, JSON.stringify(entry.headers), entry.body];
}

/** A claimed row as the relay sees it. */
export function toRecord(row: RawOutboxRow): OutboxRecord {
  return {
    seq: String(row.seq),
    eventId: row.event_id,
    type: row.type,
    key: row.key,
    headers:
      typeof row.headers === 'string' ? (JSON.parse(row.headers) as Record<string, string>) : row.headers,
    body: row.body,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
    attempts: Number(row.attempts),
  };
}

/** Claimed records in the order they were written. */
export function bySeq(records: OutboxRecord[]): OutboxRecord[] {
  return records.sort((a, b) => compareSeq(a.seq, b.seq));
}

function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** An error text short enough for the row. */
export function truncateError(error: string): string {
  return error.length <= MAX_ERROR_LENGTH ? error : `${error.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

/** Splits `items` into slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
