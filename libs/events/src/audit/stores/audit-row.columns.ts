import type { AuditRow, AuditStoreQuery } from '../audit.interfaces';

/** The audit table's columns in the order both SQL stores insert and read them. */
export const AUDIT_COLUMNS =
  'seq, event_id, type, version, timestamp, correlation_id, causation_id, actor_id, source, severity, data, prev_hash, hash, key_id';

/** One row read as an array, in `AUDIT_COLUMNS` order; PostgreSQL's bigint `seq` arrives as text. */
export type RawAuditRow = [
  number | string,
  string,
  string,
  number,
  string,
  string,
  string | null,
  string | null,
  string,
  string,
  string,
  string,
  string,
  string | null,
];

export function toAuditRow(r: RawAuditRow): AuditRow {
  return {
    seq: Number(r[0]),
    eventId: r[1],
    type: r[2],
    version: r[3],
    timestamp: r[4],
    correlationId: r[5],
    causationId: r[6],
    actorId: r[7],
    source: r[8],
    severity: r[9],
    data: r[10],
    prevHash: r[11],
    hash: r[12],
    keyId: r[13] ?? null,
  };
}

/**
 * The SELECT of a store query for the SQL stores: its rows in `seq` order, one page. `placeholder(n)` writes the
 * n-th parameter in the database's syntax (`?` for SQLite, `$n` for PostgreSQL).
 */
export function selectRows(
  table: string,
  query: AuditStoreQuery,
  placeholder: (n: number) => string,
): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const filter = (condition: string, value: string | number | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${condition} ${placeholder(params.length)}`);
  };
  filter('seq >', query.afterSeq);
  filter('correlation_id =', query.correlationId);
  filter('type =', query.type);
  filter('actor_id =', query.actorId);
  filter('timestamp >=', query.from);
  filter('timestamp <', query.to);
  params.push(query.limit);
  const sql = `SELECT ${AUDIT_COLUMNS} FROM ${table} WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${placeholder(params.length)}`;
  return { sql, params };
}

/**
 * The string columns of a record, concatenated (SQL shared by both stores): when none holds a quote or a
 * backslash, each is its own canonical JSON between plain quotes and the database can build the hash input.
 */
export const STRING_COLUMNS_SQL =
  "event_id || type || timestamp || correlation_id || coalesce(causation_id, '') || coalesce(actor_id, '') || " +
  'source || severity || prev_hash';
