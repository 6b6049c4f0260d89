import { MissingPeerDependencyError } from '../metrics/missing-peer-dependency.error';
import { BridgeUnavailableError } from './bridge-unavailable.error';

/**
 * Loads an optional peer dependency only when a bridge needs it, so apps without it build and boot. Throws
 * `MissingPeerDependencyError` naming the package and the option when it cannot be loaded.
 */
export function loadOptionalPeer<T>(packageName: string, option: string): T {
  try {
    // A lazy require on purpose: the package is optional and must not load unless this bridge is on.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(packageName) as T;
  } catch (error) {
    throw new MissingPeerDependencyError(packageName, option, error);
  }
}

/** Finds a provider of an optional library anywhere in the app; throws `BridgeUnavailableError` when absent. */
export function findProvider<T>(
  get: (token: unknown) => T,
  token: unknown,
  option: string,
  moduleName: string,
): T {
  try {
    return get(token);
  } catch {
    const name = (token as { name?: string }).name ?? String(token);
    throw new BridgeUnavailableError(
      option,
      `EventsModule option "${option}" is on, but the app has no ${name} provider. Import ${moduleName} in your ` +
        `app (e.g. in AppModule), or turn "${option}" off.`,
    );
  }
}
