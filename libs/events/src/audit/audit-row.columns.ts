import type { AuditRow } from './audit.interfaces';

/** The audit table's columns in the order both SQL stores insert and read them. */
export const AUDIT_COLUMNS =
  'seq, event_id, type, version, timestamp, correlation_id, causation_id, actor_id, source, severity, data, prev_hash, hash';

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
  };
}
