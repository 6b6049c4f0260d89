import { AuditRecordRefusedError } from '../errors/audit-record-refused.error';
import { CanonicalJsonError } from '../errors/canonical-json.error';
import { sanitizeEnvelopeText } from '../event/envelope-text';
import { canonicalJson, wellFormedString } from '../event/json/canonical-json';
import type { AuditEntry } from './audit.interfaces';

/** The string columns of an entry that come from the event's envelope. */
const TEXT_COLUMNS = ['eventId', 'type', 'timestamp', 'correlationId', 'source', 'severity'] as const;
const OPTIONAL_TEXT_COLUMNS = ['causationId', 'actorId'] as const;
/** The largest version a store's integer column holds (PostgreSQL `integer`). */
const MAX_STORED_VERSION = 2_147_483_647;
/** How much of a store's refusal text a placeholder keeps. */
const MAX_REASON_LENGTH = 500;

/**
 * The entry with every envelope string a store could not write made writable (`sanitizeEnvelopeText`: U+FFFD for
 * NUL, CR, LF and lone surrogates, cut at 200 characters), and the names of the columns that changed. Entries of
 * events the bus checked come back unchanged (the same object).
 */
export function sanitizeEntry(entry: AuditEntry): { entry: AuditEntry; changed: string[] } {
  let copy: AuditEntry | undefined;
  const changed: string[] = [];
  for (const column of TEXT_COLUMNS) {
    const value = entry[column];
    const clean = sanitizeEnvelopeText(value);
    if (clean !== value) {
      copy ??= { ...entry };
      copy[column] = clean;
      changed.push(column);
    }
  }
  for (const column of OPTIONAL_TEXT_COLUMNS) {
    const value = entry[column];
    if (value === null) continue;
    const clean = sanitizeEnvelopeText(value);
    if (clean !== value) {
      copy ??= { ...entry };
      copy[column] = clean;
      changed.push(column);
    }
  }
  return { entry: copy ?? entry, changed };
}

/**
 * True when `error` says the store refused the records themselves (bad data), not that the store is unreachable,
 * locked or failing: those are retried, while a refused record is set aside so it cannot block the ones behind
 * it. Recognised: `AuditRecordRefusedError` (throw it from a custom store), a value with no canonical JSON,
 * PostgreSQL data and integrity errors (SQLSTATE classes 22 and 23, and 54000, a value over a limit), and SQLite's
 * `SQLITE_TOOBIG`, `SQLITE_MISMATCH` and constraint errors other than a unique event id.
 */
export function isRecordRefusal(error: unknown): boolean {
  if (error instanceof AuditRecordRefusedError || error instanceof CanonicalJsonError) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return false;
  if (/^(22|23)[0-9A-Z]{3}$/.test(code)) return code !== '23505';
  if (code === '54000') return true;
  if (code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH') return true;
  return code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * What is written in place of a record the store refused: the same event id and envelope (made writable), version
 * 1, and as data a marker `{ "$refused": { reason, version } }` holding the store's reason and the event's
 * version. It keeps the event's place in the trail, visibly, without the values the store could not take.
 */
export function placeholderEntry(entry: AuditEntry, reason: string): AuditEntry {
  const clean = sanitizeEntry(entry).entry;
  const version = Number.isSafeInteger(entry.version) ? entry.version : null;
  return {
    ...clean,
    version: version !== null && version >= 1 && version <= MAX_STORED_VERSION ? version : 1,
    data: canonicalJson({ $refused: { reason: shorten(reason), version } }),
  };
}

/** The reason as JSON-safe text (a cut may split a surrogate pair: `wellFormedString` mends that). */
function shorten(reason: string): string {
  return wellFormedString(reason.slice(0, MAX_REASON_LENGTH)) || 'refused';
}
