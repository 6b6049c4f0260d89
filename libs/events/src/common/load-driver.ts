import { errorMessage } from './error-message';
import { loadOptionalPeer } from './optional-peer';

/** The error a feature's store throws (`AuditStoreError`, `OutboxStoreError`...). */
export type StoreErrorClass = new (message: string, options?: ErrorOptions) => Error;

/**
 * Loads an optional database driver when a store is created, so an app only needs the driver of the store it
 * uses. When it cannot be loaded, throws `ErrorClass` saying which package to install.
 */
export function loadDriver<T>(packageName: string, store: string, ErrorClass: StoreErrorClass): T {
  return loadOptionalPeer<T>(
    packageName,
    (cause) =>
      new ErrorClass(
        `${store} needs the "${packageName}" package, which could not be loaded (${errorMessage(cause)}). ` +
          `Install it: npm install ${packageName}`,
        { cause },
      ),
  );
}
