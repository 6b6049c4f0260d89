import { median, medianRatio, type HarnessOptions, type RoundFigures } from './harness';

/** How hard to run: `quick` only checks that every scenario still works. */
export interface RunSettings {
  readonly quick: boolean;
}

/** One line of a scenario's table. */
export interface ResultRow {
  readonly candidate: string;
  /** Median over rounds, in the scenario's unit. */
  readonly value: number;
  /** Median of per-round ratios against the scenario's reference candidate. */
  readonly ratio?: number;
}

/**
 * What a target row says: PASS or MISS against its limit; `reported` for a figure shown beside the targets
 * without a limit of its own; `not measured` when this run could not take the figure (a tool missing).
 */
export type Outcome = 'PASS' | 'MISS' | 'reported' | 'not measured';

/** A target from design.md section 8, checked against this run's figures (or a figure reported beside them). */
export interface TargetResult {
  readonly label: string;
  /** NaN when not measured. */
  readonly value: number;
  /** Absent for a `reported` figure. */
  readonly comparison?: '<=' | '>=';
  readonly limit?: number;
  /** 'x' for a ratio, '%' for a relative change, otherwise the unit of the value. */
  readonly unit: string;
  readonly outcome: Outcome;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** The candidate the `ratio` column is relative to. */
  readonly reference?: string;
  readonly rows: readonly ResultRow[];
  readonly targets: readonly TargetResult[];
  readonly notes: readonly string[];
  /** How the figures were taken, one sentence. */
  readonly procedure: string;
}

/** Harness settings for in-process scenarios: sync emits run in batches of 500, awaited ones of 100. */
export function harnessOptions(settings: RunSettings, kind: 'sync' | 'async'): HarnessOptions {
  if (settings.quick) return { batch: kind === 'sync' ? 100 : 20, sliceMs: 2, rounds: 2, warmupRounds: 1 };
  return kind === 'sync'
    ? { batch: 500, sliceMs: 20, rounds: 41, warmupRounds: 8 }
    : { batch: 100, sliceMs: 20, rounds: 31, warmupRounds: 6 };
}

export function describeProcedure(options: HarnessOptions): string {
  return (
    `${options.rounds} counted rounds after ${options.warmupRounds} warm-up rounds; each round gives every ` +
    `candidate a ${options.sliceMs} ms slice of batches of ${options.batch} operations.`
  );
}

export function rowsFrom(figures: RoundFigures, reference: string | undefined): ResultRow[] {
  return [...figures.entries()].map(([candidate, values]) => ({
    candidate,
    value: median(values),
    ratio: reference === undefined ? undefined : medianRatio(figures, candidate, reference),
  }));
}

export function target(
  label: string,
  value: number,
  comparison: '<=' | '>=',
  limit: number,
  unit = 'x',
): TargetResult {
  const pass = comparison === '<=' ? value <= limit : value >= limit;
  const outcome = Number.isNaN(value) ? 'not measured' : pass ? 'PASS' : 'MISS';
  return { label, value, comparison, limit, unit, outcome };
}

/** A figure shown in the targets table beside the targets, with no limit of its own. */
export function reported(label: string, value: number, unit = 'x'): TargetResult {
  return { label, value, unit, outcome: Number.isNaN(value) ? 'not measured' : 'reported' };
}

/** Payload for emit number `seq`; a fresh object every time, as application code would build it. */
export function payload(seq: number): { userId: string; seq: number } {
  return { userId: 'user-1', seq };
}
