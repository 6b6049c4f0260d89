import { DurationBuckets } from './duration-buckets';
import type { HandlerCounters } from './handler-stats';

/** The outcomes of one handler for the events of one `type` label. */
export interface OutcomeTally {
  readonly labels: Readonly<{ type: string; handler: string }>;
  success: number;
  failure: number;
  deadLetters: number;
  /** Durations of its timed attempts (every async attempt, a sample of synchronous ones), in seconds. */
  readonly buckets: DurationBuckets;
}

/** How outcomes are filed: the label of each event type, and the bounds of the duration buckets. */
export interface OutcomeLabelling {
  /** The `type` label of an event type; asked again for a type each time it gets `otherLabel`. */
  typeLabel(type: string): string;
  readonly otherLabel: string;
  readonly buckets: readonly number[];
}

/**
 * Handler outcomes counted per (type label, handler) while the bus runs, read when metrics are scraped. An
 * attempt adds to a tally found through its handler's counters, which keep the tally of the last type they saw:
 * no observer is called per handler.
 */
export class OutcomeTallies {
  private readonly byLabel = new Map<string, Map<string, OutcomeTally>>();

  constructor(
    private readonly labelling: OutcomeLabelling,
    private readonly onStop: (tallies: OutcomeTallies) => void,
  ) {}

  succeeded(counters: HandlerCounters, type: string, handler: string, durationMs: number | undefined): void {
    const tally =
      counters.talliedBy === this && counters.tallyType === type
        ? counters.tally!
        : this.find(type, handler, counters);
    tally.success++;
    if (durationMs !== undefined) tally.buckets.observe(durationMs / 1000);
  }

  /** `counters`: the handler's, when the bus ran it (not for a bridged handler it only hears about). */
  failed(counters: HandlerCounters | undefined, type: string, handler: string, durationMs?: number): void {
    const tally =
      counters !== undefined && counters.talliedBy === this && counters.tallyType === type
        ? counters.tally!
        : this.find(type, handler, counters);
    tally.failure++;
    if (durationMs !== undefined) tally.buckets.observe(durationMs / 1000);
  }

  deadLettered(type: string, handler: string): void {
    this.find(type, handler, undefined).deadLetters++;
  }

  /** Every tally so far. */
  *all(): Iterable<OutcomeTally> {
    for (const byHandler of this.byLabel.values()) yield* byHandler.values();
  }

  /** Stops counting (the bus forgets these tallies). */
  stop(): void {
    this.onStop(this);
  }

  private find(type: string, handler: string, counters: HandlerCounters | undefined): OutcomeTally {
    const { typeLabel, otherLabel, buckets } = this.labelling;
    const label = typeLabel(type);
    let byHandler = this.byLabel.get(label);
    if (byHandler === undefined) {
      byHandler = new Map();
      this.byLabel.set(label, byHandler);
    }
    let tally = byHandler.get(handler);
    if (tally === undefined) {
      tally = {
        labels: { type: label, handler },
        success: 0,
        failure: 0,
        deadLetters: 0,
        buckets: new DurationBuckets(buckets),
      };
      byHandler.set(handler, tally);
    }
    // A type counted as `other` is asked for again next time: it may get a label of its own once declared.
    if (counters !== undefined && label !== otherLabel) {
      counters.talliedBy = this;
      counters.tallyType = type;
      counters.tally = tally;
    }
    return tally;
  }
}

/** Whether the bus counts handler outcomes, and into which tallies: off until a metrics feature starts it. */
export class HandlerOutcomes {
  current: OutcomeTallies | undefined;

  /** Starts counting into new tallies (replacing any counted so far). */
  start(labelling: OutcomeLabelling): OutcomeTallies {
    const tallies = new OutcomeTallies(labelling, (stopped) => {
      if (this.current === stopped) this.current = undefined;
    });
    this.current = tallies;
    return tallies;
  }
}
