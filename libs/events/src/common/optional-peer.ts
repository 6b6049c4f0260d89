import { MissingPeerDependencyError } from '../metrics/missing-peer-dependency.error';

/**
 * Loads an optional peer dependency only when the option that needs it is on, so apps without it build and boot.
 * Throws `MissingPeerDependencyError` naming the package and the option when it cannot be loaded.
 */
export function loadOptionalPeer<T>(packageName: string, option: string): T {
  try {
    // A lazy require on purpose: the package is optional and must not load unless its option is on.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(packageName) as T;
  } catch (error) {
    throw new MissingPeerDependencyError(packageName, option, error);
  }
}
