/**
 * The entries this process has read or claimed and not yet settled, per source stream key, and the slots of the
 * deliveries running. At most `capacity` deliveries run at once. Readers ask Redis for no more entries than
 * `free`: capacity less the entries held and the slots other reads in progress have reserved, so several readers
 * (one per stream on Redis Cluster) share the bound; they take turns, in the order they asked, so a reader that
 * reads again at once cannot starve one that waits. Claims have room of their own up to twice the capacity
 * (`claimable`): an orphan that waited claimIdleMs is not starved by a busy reader, and the entries held beyond the
 * capacity wait for a slot without running (heartbeated, like the others).
 */
export class InHandEntries {
  private readonly bySource = new Map<string, Set<string>>();
  private size = 0;
  private reserved = 0;
  private runningNow = 0;
  private waiters: (() => void)[] = [];
  private readonly turns: { need: number; grant: (granted: boolean) => void }[] = [];
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

  /** Slots a read may ask for now. */
  get free(): number {
    return Math.max(0, this.capacity - this.size - this.reserved);
  }

  /** Entries a claim may take now: claims may hold up to twice the capacity, whatever the reads hold. */
  get claimable(): number {
    return Math.max(0, 2 * this.capacity - this.size);
  }

  /**
   * Waits for a reader's turn: readers are served in the order they asked, each once `need` slots are free, which
   * are then reserved for its read until `release()`. Resolves false if `interrupt()` came first.
   */
  turn(need: number): Promise<boolean> {
    return new Promise((grant) => {
      this.turns.push({ need, grant });
      this.serve();
    });
  }

  /** Reserves up to `slots` more for the read whose turn it is, unless another reader waits; returns how many. */
  extend(slots: number): number {
    if (this.turns.length > 0) return 0;
    const more = Math.min(slots, this.free);
    this.reserved += more;
    return more;
  }

  /** Gives back what a read reserved (its entries are held by now). */
  release(slots: number): void {
    this.reserved -= slots;
    this.serve();
    this.wake();
  }

  /** Ends every wait for a turn (false): a reader is stopping. */
  interrupt(): void {
    for (const turn of this.turns.splice(0)) turn.grant(false);
    this.wake();
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
      this.serve();
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

  /** Wakes whoever waits for the entries to go. */
  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Grants turns in order while the first in line has the slots it needs. */
  private serve(): void {
    while (this.turns.length > 0 && this.free >= this.turns[0].need) {
      const turn = this.turns.shift()!;
      this.reserved += turn.need;
      turn.grant(true);
    }
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
