import { EventsConfigError } from '../errors/events-config.error';
import type { ListenerOptions } from './bus.interfaces';
import { resolveRetryPolicy, type ResolvedRetryPolicy } from './retry-policy';

/** A listener's options, checked, with the module's defaults applied. */
export interface ResolvedListenerOptions {
  readonly priority: number;
  readonly retry: ResolvedRetryPolicy;
  readonly timeoutMs: number | undefined;
  readonly local: boolean;
  readonly idempotent: boolean;
}

const SCOPE = 'listener option';

/** Checks a listener's options like module options: a wrong one throws `EventsConfigError` naming it. */
export function resolveListenerOptions(
  options: ListenerOptions,
  defaultRetry: ResolvedRetryPolicy,
): ResolvedListenerOptions {
  const priority = options.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new EventsConfigError('priority', 'a finite number (see EventPriority)', priority, SCOPE);
  }
  const { timeoutMs } = options;
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)
  ) {
    throw new EventsConfigError('timeoutMs', 'a number of milliseconds > 0', timeoutMs, SCOPE);
  }
  const local = options.local ?? false;
  if (typeof local !== 'boolean') throw new EventsConfigError('local', 'true or false', local, SCOPE);
  const idempotent = options.idempotent ?? false;
  if (typeof idempotent !== 'boolean') {
    throw new EventsConfigError('idempotent', 'true or false', idempotent, SCOPE);
  }
  return { priority, retry: listenerRetry(options.retry, defaultRetry), timeoutMs, local, idempotent };
}

function listenerRetry(retry: unknown, fallback: ResolvedRetryPolicy): ResolvedRetryPolicy {
  if (retry === undefined) return fallback;
  try {
    return resolveRetryPolicy(retry, 'retry');
  } catch (error) {
    if (!(error instanceof EventsConfigError)) throw error;
    throw new EventsConfigError(error.option, error.expected, retry, SCOPE);
  }
}
