import { errorMessage } from '../../common/error-message';
import { loadOptionalPeer } from '../../common/optional-peer';
import { AuditStoreError } from '../../errors/audit-store.error';

/**
 * Loads an optional database driver when a store is created, so an app only needs the driver of the store it
 * uses.
 */
export function loadDriver<T>(packageName: string, store: string): T {
  return loadOptionalPeer<T>(
    packageName,
    (cause) =>
      new AuditStoreError(
        `${store} needs the "${packageName}" package, which could not be loaded (${errorMessage(cause)}). ` +
          `Install it: npm install ${packageName}`,
        { cause },
      ),
  );
}
