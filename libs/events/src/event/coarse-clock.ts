// Taken when the module loads: a test's fake timers must not hold the end of a run back (nor count it as a timer).
const endOfRun = globalThis.queueMicrotask;

/**
 * A clock read once per synchronous run of work, for at most `maxReads` reads: the time stays the same until the
 * current microtask checkpoint (or the read budget) is reached. Times may be a few ms old, never go backwards.
 */
export class CoarseClock {
  private time = 0;
  private reads = 0;
  private readonly endRun = (): void => {
    this.reads = 0;
  };

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxReads = 32,
  ) {}

  read(): number {
    if (this.reads !== 0 && this.reads < this.maxReads) {
      this.reads++;
      return this.time;
    }
    if (this.reads === 0) endOfRun(this.endRun);
    this.reads = 1;
    this.time = this.now();
    return this.time;
  }
}
