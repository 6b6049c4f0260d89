import { AuditQueryError } from '../errors/audit-query.error';
import type { AuditQuery, AuditRow, AuditStoreQuery } from './audit.interfaces';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Checks a public query and turns it into store filters (`limit` is the page size). */
export function toStoreQuery(query: AuditQuery = {}): AuditStoreQuery {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new AuditQueryError(
      `limit must be a whole number from 1 to ${MAX_LIMIT}, received ${String(query.limit)}.`,
    );
  }
  const out: AuditStoreQuery = { afterSeq: decodeCursor(query.cursor), limit };
  for (const key of ['correlationId', 'type', 'actorId'] as const) {
    const value = query[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '')
      throw new AuditQueryError(`${key} must be a non-empty string.`);
    out[key] = value;
  }
  if (query.from !== undefined) out.from = toIso('from', query.from);
  if (query.to !== undefined) out.to = toIso('to', query.to);
  return out;
}

function toIso(name: string, value: string | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new AuditQueryError(`${name} must be an ISO-8601 date, received ${String(value)}.`);
  return date.toISOString();
}

/** The opaque cursor for "after this seq". */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match =
    typeof cursor === 'string' ? /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  if (!match) throw new AuditQueryError('cursor is not a nextCursor returned by query().');
  return Number(match[1]);
}

/** The filters of a store query (not `afterSeq`/`limit`), for stores that filter in code. */
export function matchesQuery(row: AuditRow, query: AuditStoreQuery): boolean {
  return (
    (query.correlationId === undefined || row.correlationId === query.correlationId) &&
    (query.type === undefined || row.type === query.type) &&
    (query.actorId === undefined || row.actorId === query.actorId) &&
    (query.from === undefined || row.timestamp >= query.from) &&
    (query.to === undefined || row.timestamp < query.to)
  );
}
