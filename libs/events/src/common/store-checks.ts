import type { StoreErrorClass } from './load-driver';

/**
 * Checks a schema or table name, since it is put into SQL text; throws `ErrorClass` (the calling feature's store
 * error) naming `store` when it is not a plain identifier.
 */
export function checkIdentifier(
  store: string,
  what: string,
  name: string,
  ErrorClass: StoreErrorClass,
): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new ErrorClass(
      `${store}: ${what} "${name}" must be letters, digits and _ (at most 63, not a digit first).`,
    );
  }
  return name;
}

/**
 * Checks a whole-number option of a store (`busyTimeoutMs`, a thread count); throws `ErrorClass` (the calling
 * feature's store error) naming `store`, the least value and what it means, when `value` is not a whole number of
 * at least `min`.
 */
export function checkWholeNumber(
  store: string,
  option: string,
  value: number,
  { min, meaning }: { min: number; meaning: string },
  ErrorClass: StoreErrorClass,
): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ErrorClass(
      `${store}: ${option} must be a whole number of at least ${min} (${meaning}), got ${String(value)}.`,
    );
  }
  return value;
}

/** `busyTimeoutMs` of the SQLite stores: how long a write waits while another connection holds the lock. */
export const BUSY_TIMEOUT_RULE = Object.freeze({
  min: 0,
  meaning: '0 fails at once when another connection holds the lock',
});
