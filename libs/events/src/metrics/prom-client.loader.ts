import { loadOptionalPeer } from '../common/optional-peer';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

/** The part of prom-client's module the metrics use. */
export type PromClient = typeof import('prom-client');

/**
 * Loads prom-client on first use, so that apps without metrics never need it installed. Throws
 * `MissingPeerDependencyError` when it cannot be loaded.
 */
export function loadPromClient(): PromClient {
  return loadOptionalPeer<PromClient>(
    'prom-client',
    (cause) => new MissingPeerDependencyError('prom-client', 'metrics', cause),
  );
}
