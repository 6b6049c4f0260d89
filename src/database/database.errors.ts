import { QueryFailedError } from 'typeorm';

/** Driver error codes of a UNIQUE or PRIMARY KEY violation: PostgreSQL's SQLSTATE, better-sqlite3's codes. */
const UNIQUE_VIOLATION_CODES = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** Whether `error` is a write that broke a UNIQUE constraint, on either engine; the API answers it with 409. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && UNIQUE_VIOLATION_CODES.has(code);
}
