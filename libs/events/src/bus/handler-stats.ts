import type { HandlerStats } from './bus.interfaces';
import type { OutcomeTally, OutcomeTallies } from './handler-outcomes';

const WINDOW = 256;

/** Counters and a window of recent durations for one handler name. */
export class HandlerCounters {
  calls = 0;
  failures = 0;
  retries = 0;
  /** The outcome tally of the last event type this handler's outcomes were counted for, and whose it is. */
  talliedBy: OutcomeTallies | undefined = undefined;
  tallyType: string | undefined = undefined;
  tally: OutcomeTally | undefined = undefined;
  private readonly durations = new Float64Array(WINDOW);
  private timed = 0;
  private maxMs = 0;

  recordDuration(ms: number): void {
    this.durations[this.timed % WINDOW] = ms;
    this.timed++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  snapshot(): HandlerStats {
    const n = Math.min(this.timed, WINDOW);
    const recent = Array.from(this.durations.subarray(0, n)).sort((a, b) => a - b);
    const mean = n === 0 ? 0 : recent.reduce((sum, ms) => sum + ms, 0) / n;
    const p95 = n === 0 ? 0 : recent[Math.min(n - 1, Math.ceil(n * 0.95) - 1)];
    return {
      calls: this.calls,
      failures: this.failures,
      retries: this.retries,
      meanMs: round(mean),
      p95Ms: round(p95),
      maxMs: round(this.maxMs),
    };
  }
}

/** Milliseconds rounded to the microsecond, as the bus reports durations. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
