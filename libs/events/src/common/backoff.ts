/** An exponential backoff: `baseMs * factor^(n-1)` before try n+1, capped at `maxMs`, less up to `jitter` of it. */
export interface Backoff {
  /** Delay after the first failure, in ms. */
  readonly baseMs: number;
  /** Growth per further failure (>= 1). */
  readonly factor: number;
  /** Upper bound of one delay, in ms. */
  readonly maxMs: number;
  /** Share of each delay taken off at random (0 to 1), so that parties failing together do not retry in lockstep. */
  readonly jitter: number;
}

/** The delay after `failures` consecutive failures (1 for the first). */
export function backoffDelay(backoff: Backoff, failures: number, random: () => number = Math.random): number {
  const exponential = backoff.baseMs * Math.pow(backoff.factor, Math.max(0, failures - 1));
  const capped = Math.min(backoff.maxMs, exponential);
  return Math.round(capped * (1 - backoff.jitter * random()));
}
