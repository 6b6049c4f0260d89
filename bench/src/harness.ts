/**
 * A small interleaved loop harness. Rounds go A, B, C, then B, C, A, ... (the start rotates so no candidate
 * always runs right after the same neighbour), after warm-up rounds that are not counted. In a round every
 * candidate gets one timed slice of about the same wall time: batches of `batch` operations, each batch
 * followed by a hop through the event loop, until the slice time is used. Equal slice times mean equal exposure
 * to a noisy machine (another process taking the CPU costs every candidate the same share). Figures are medians
 * over rounds, and ratios are medians of the per-round ratios: two candidates measured back to back share the
 * noise of that moment.
 */

/** One thing to time: `run(n)` performs the operation n times through the public API. */
export interface Candidate {
  readonly name: string;
  run(iterations: number): void | Promise<void>;
  /** Called before each of the candidate's slices, outside the timed part (e.g. to empty a Redis stream). */
  prepare?(): Promise<void>;
}

export interface HarnessOptions {
  /** Operations between two event-loop hops. */
  batch: number;
  /** Wall time of one candidate's slice in a round. */
  sliceMs: number;
  rounds: number;
  warmupRounds: number;
}

/** Nanoseconds per operation, one figure per counted round, by candidate name. */
export type RoundFigures = Map<string, number[]>;

export interface Measurement {
  figures: RoundFigures;
  /** Operations each candidate performed in total, warm-up included (to check the sinks against). */
  operations: Map<string, number>;
}

export async function measure(
  candidates: readonly Candidate[],
  options: HarnessOptions,
): Promise<Measurement> {
  const figures: RoundFigures = new Map(candidates.map((c) => [c.name, [] as number[]]));
  const operations = new Map(candidates.map((c) => [c.name, 0]));
  const sliceNs = options.sliceMs * 1e6;
  const total = options.warmupRounds + options.rounds;
  for (let round = 0; round < total; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const candidate = candidates[(round + k) % candidates.length];
      if (candidate.prepare) await candidate.prepare();
      let done = 0;
      let elapsed = 0;
      const started = process.hrtime.bigint();
      do {
        const pending = candidate.run(options.batch);
        if (pending !== undefined) await pending;
        // Work an emit leaves behind in promise jobs (an async listener wrapper, RxJS deferrals) is part of its
        // cost: let it run inside the timed slice, and never let it pile up.
        await settle();
        done += options.batch;
        elapsed = Number(process.hrtime.bigint() - started);
      } while (elapsed < sliceNs);
      operations.set(candidate.name, operations.get(candidate.name)! + done);
      if (round >= options.warmupRounds) figures.get(candidate.name)!.push(elapsed / done);
    }
  }
  return { figures, operations };
}

/** Resolves after the microtask queue drained (setImmediate runs after every promise job). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median over rounds of `figures[a][r] / figures[b][r]`. */
export function medianRatio(figures: RoundFigures, a: string, b: string): number {
  const x = figures.get(a);
  const y = figures.get(b);
  if (!x || !y) throw new Error(`No figures for ${x ? b : a}.`);
  return median(x.map((value, i) => value / y[i]));
}

/**
 * Where listeners put their work: a count and a running sum that the scenario checks at the end, so the
 * listener's body cannot be optimised away and a listener that silently stopped receiving events is caught.
 */
export class Sink {
  count = 0;
  sum = 0;

  add(value: number): void {
    this.count++;
    this.sum += value;
  }

  /** Throws unless exactly `expected` deliveries arrived. */
  expect(expected: number, label: string): void {
    if (this.count !== expected) {
      throw new Error(`${label}: expected ${expected} listener calls, got ${this.count} (sum ${this.sum}).`);
    }
  }
}

/** The payload every candidate sends: a fresh small object per emit, as application code would build. */
export interface UserCreatedPayload {
  userId: string;
  seq: number;
}
