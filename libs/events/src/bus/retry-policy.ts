import type { RetryPolicy } from './bus.interfaces';

/** A retry policy with every field filled in. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

export const NO_RETRY: ResolvedRetryPolicy = Object.freeze({
  attempts: 1,
  backoffMs: 100,
  factor: 2,
  maxBackoffMs: 30_000,
  jitter: 0.5,
});

/** Fills in the defaults; returns a message naming the bad field instead when the policy is wrong. */
export function resolveRetryPolicy(
  policy: RetryPolicy | undefined,
  where: string,
): ResolvedRetryPolicy | string {
  if (policy === undefined) return NO_RETRY;
  if (typeof policy !== 'object' || policy === null) return `${where} must be an object like { attempts: 3 }`;
  for (const key of Object.keys(policy)) {
    if (!(key in NO_RETRY)) {
      return `${where}.${key} is not a retry setting (use ${Object.keys(NO_RETRY).join(', ')})`;
    }
  }
  const resolved: ResolvedRetryPolicy = { ...NO_RETRY, ...policy };
  if (!Number.isInteger(resolved.attempts) || resolved.attempts < 1) {
    return `${where}.attempts must be an integer >= 1 (it counts every try, the first included)`;
  }
  for (const key of ['backoffMs', 'maxBackoffMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) return `${where}.${key} must be a number >= 0`;
  }
  if (!Number.isFinite(resolved.factor) || resolved.factor < 1)
    return `${where}.factor must be a number >= 1`;
  if (!Number.isFinite(resolved.jitter) || resolved.jitter < 0 || resolved.jitter > 1) {
    return `${where}.jitter must be a number from 0 to 1`;
  }
  return Object.freeze(resolved);
}

/**
 * The delay before the next try after `failedAttempt` tries failed: exponential, capped, then reduced by up to
 * `jitter` of itself so that handlers failing together do not retry in lockstep.
 */
export function retryDelay(
  policy: ResolvedRetryPolicy,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const exponential = policy.backoffMs * Math.pow(policy.factor, failedAttempt - 1);
  const capped = Math.min(policy.maxBackoffMs, exponential);
  return Math.round(capped * (1 - policy.jitter * random()));
}
