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
