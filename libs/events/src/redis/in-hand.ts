/**
 * The entries this process has read or claimed and not yet settled, per source stream key. The reader asks
 * for no more than `free` entries, so there are never more than `capacity` in hand.
 */
export class InHandEntries {
  private readonly bySource = new Map<string, Set<string>>();
  private size = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  get count(): number {
    return this.size;
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
    const ids = this.bySource.get(source);
    if (ids?.delete(id)) {
      this.size--;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** The ids in hand, per source (a copy). */
  snapshot(): Map<string, string[]> {
    const copy = new Map<string, string[]>();
    for (const [source, ids] of this.bySource) if (ids.size > 0) copy.set(source, [...ids]);
    return copy;
  }

  /** Resolves once fewer than `capacity` are in hand (at once when there is room). */
  whenFree(): Promise<void> {
    return this.free > 0 ? Promise.resolve() : this.next();
  }

  /** Resolves once nothing is in hand, or after `timeoutMs`; true when empty. */
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
