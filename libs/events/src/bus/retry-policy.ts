import { backoffDelay } from '../common/backoff';
import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import type { RetryPolicy } from './bus.interfaces';

/** A retry policy with every field filled in. */
export type ResolvedRetryPolicy = Readonly<Required<RetryPolicy>>;

const DEFAULT_POLICY: ResolvedRetryPolicy = Object.freeze({
  attempts: 1,
  backoffMs: 100,
  factor: 2,
  maxBackoffMs: 30_000,
  jitter: 0.5,
});

/**
 * Fills in the defaults of a retry policy given as option `where` (`retry`, or a listener's); a wrong field throws
 * `EventsConfigError` for `where`, saying which field and what it needs.
 */
export function resolveRetryPolicy(policy: unknown, where: string): ResolvedRetryPolicy {
  if (policy === undefined) return DEFAULT_POLICY;
  if (!isRecord(policy)) throw new EventsConfigError(where, 'an object like { attempts: 3 }', policy);
  try {
    rejectUnknownKeys(where, policy, Object.keys(DEFAULT_POLICY));
    return Object.freeze({
      attempts: checkNumber(`${where}.attempts`, policy.attempts, DEFAULT_POLICY.attempts, {
        min: 1,
        integer: true,
        expected: 'an integer >= 1 (it counts every try, the first included)',
      }),
      backoffMs: checkNumber(`${where}.backoffMs`, policy.backoffMs, DEFAULT_POLICY.backoffMs, {
        unit: 'ms',
      }),
      factor: checkNumber(`${where}.factor`, policy.factor, DEFAULT_POLICY.factor, { min: 1 }),
      maxBackoffMs: checkNumber(`${where}.maxBackoffMs`, policy.maxBackoffMs, DEFAULT_POLICY.maxBackoffMs, {
        unit: 'ms',
      }),
      jitter: checkNumber(`${where}.jitter`, policy.jitter, DEFAULT_POLICY.jitter, { max: 1 }),
    });
  } catch (error) {
    if (!(error instanceof EventsConfigError)) throw error;
    // Reported against the policy as a whole, naming the field: the policy is one option.
    throw new EventsConfigError(where, `${error.option} must be ${error.expected}`, policy);
  }
}

/** The delay before the next try after `failedAttempt` tries failed (exponential, capped, with jitter). */
export function retryDelay(
  policy: ResolvedRetryPolicy,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const backoff = {
    baseMs: policy.backoffMs,
    factor: policy.factor,
    maxMs: policy.maxBackoffMs,
    jitter: policy.jitter,
  };
  return backoffDelay(backoff, failedAttempt, random);
}
