import { loadOptionalPeer } from '../common/optional-peer';
import { AuditStoreError } from '../errors/audit-store.error';

/**
 * Loads an optional database driver when a store is created, so an app only needs the driver of the store it
 * uses.
 */
export function loadDriver<T>(packageName: string, store: string): T {
  return loadOptionalPeer<T>(
    packageName,
    (cause) =>
      new AuditStoreError(
        `${store} needs the "${packageName}" package, which could not be loaded (${(cause as Error).message}). ` +
          `Install it: npm install ${packageName}`,
        { cause },
      ),
  );
}

/** Checks a schema or table name, since it is put into SQL text. */
export function checkIdentifier(store: string, what: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new AuditStoreError(
      `${store}: ${what} "${name}" must be letters, digits and _ (at most 63, not a digit first).`,
    );
  }
  return name;
}
