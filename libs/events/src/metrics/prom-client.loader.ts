import { MissingPeerDependencyError } from './missing-peer-dependency.error';

/** The part of prom-client's module the metrics use. */
export type PromClient = typeof import('prom-client');

/**
 * Loads prom-client on first use, so that apps without metrics never need it installed. Throws
 * `MissingPeerDependencyError` when it cannot be loaded.
 */
export function loadPromClient(): PromClient {
  try {
    // A lazy require keeps prom-client an optional peer dependency: nothing loads it unless metrics are on.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('prom-client') as PromClient;
  } catch (error) {
    throw new MissingPeerDependencyError('prom-client', 'metrics', error);
  }
}
