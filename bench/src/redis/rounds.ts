// Alternating rounds for measurements that take one figure per run (a rate over a fixed count, a latency
// percentile over a fixed time) rather than slices of a loop: the harness's rule (rotate the order, drop
// warm-up rounds, keep one figure per round) for them.
import { median, type RoundFigures } from '../harness';

/** One way of doing the work: `once()` does it once and returns its figure. */
export interface RoundCandidate {
  readonly name: string;
  once(round: number): Promise<number>;
}

/**
 * Runs every candidate once per round, the first candidate of a round rotating, and returns the figures of the
 * counted rounds (warm-up rounds are run and dropped). Candidates of one round run back to back, so a ratio of
 * their figures compares them under the same machine load.
 */
export async function alternate(
  candidates: readonly RoundCandidate[],
  rounds: number,
  warmupRounds: number,
): Promise<RoundFigures> {
  const figures: RoundFigures = new Map(candidates.map((c) => [c.name, [] as number[]]));
  for (let round = 0; round < warmupRounds + rounds; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const candidate = candidates[(round + k) % candidates.length];
      const figure = await candidate.once(round);
      if (round >= warmupRounds) figures.get(candidate.name)!.push(figure);
    }
  }
  return figures;
}

/** Median over rounds of `a[r] - b[r]`. */
export function medianDifference(figures: RoundFigures, a: string, b: string): number {
  const y = figures.get(b)!;
  return median(figures.get(a)!.map((value, i) => value - y[i]));
}

/** The `p`-th percentile (0-100) of `values`, nearest rank. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
