/**
 * The entries this process has read or claimed and not yet settled, per source stream key, and the slots of the
 * deliveries running. At most `capacity` deliveries run at once; the reader asks Redis for no more entries than
 * `free` (capacity less the entries held). A claim can land while a read is blocked, so the entries held (and
 * heartbeated) may briefly reach twice the capacity; the extra ones wait for a slot without running.
 */
export class InHandEntries {
  private readonly bySource = new Map<string, Set<string>>();
  private size = 0;
  private runningNow = 0;
  private waiters: (() => void)[] = [];
  private readonly slotQueue: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Entries held: read or claimed, not yet settled. */
  get count(): number {
    return this.size;
  }

  /** Deliveries running now (never above `capacity`). */
  get running(): number {
    return this.runningNow;
  }

  get free(): number {
    return Math.max(0, this.capacity - this.size);
  }

  has(source: string, id: string): boolean {
    return this.bySource.get(source)?.has(id) ?? false;
  }

  add(source: string, id: string): void {
    let ids = this.bySource.get(source);
    if (ids === undefined) this.bySource.set(source, (ids = new Set()));
    if (!ids.has(id)) {
      ids.add(id);
      this.size++;
    }
  }

  remove(source: string, id: string): void {
    if (this.bySource.get(source)?.delete(id)) {
      this.size--;
      this.wake();
    }
  }

  /** Resolves once a delivery may run (at once when fewer than `capacity` run). */
  acquireSlot(): Promise<void> {
    if (this.runningNow < this.capacity) {
      this.runningNow++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotQueue.push(resolve));
  }

  /** Frees a delivery's slot, handing it to the next waiting delivery if there is one. */
  releaseSlot(): void {
    const next = this.slotQueue.shift();
    if (next) next();
    else this.runningNow--;
  }

  /** The ids held, per source (a copy). */
  snapshot(): Map<string, string[]> {
    const copy = new Map<string, string[]>();
    for (const [source, ids] of this.bySource) if (ids.size > 0) copy.set(source, [...ids]);
    return copy;
  }

  /**
   * Resolves at once when at least `slots` are free, else at the next settlement or `wake()`: the caller checks
   * again.
   */
  whenFree(slots = 1): Promise<void> {
    return this.free >= slots ? Promise.resolve() : this.next();
  }

  /** Resolves once nothing is held, or after `timeoutMs`; true when empty. */
  async whenEmpty(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([this.next(), new Promise((resolve) => setTimeout(resolve, left).unref())]);
    }
    return true;
  }

  /** Wakes whoever waits for room, e.g. a reader that is stopping. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
