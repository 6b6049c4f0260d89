import type { BusEvent } from '../event/bus-event.interface';
import type { HistoryQuery } from './bus.interfaces';
import { compilePattern } from './pattern-matcher';

/**
 * The most recent events, in a ring buffer bounded both by count and by estimated heap bytes. The oldest
 * events are evicted first when either bound is passed.
 */
export class EventHistory {
  private readonly events: (BusEvent | undefined)[];
  private readonly sizes: Float64Array;
  private head = 0;
  private count = 0;
  private totalBytes = 0;
  private evictedCount = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {
    this.events = new Array<BusEvent | undefined>(maxEvents).fill(undefined);
    this.sizes = new Float64Array(maxEvents);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get evicted(): number {
    return this.evictedCount;
  }

  push(event: BusEvent, bytes: number): void {
    const max = this.maxEvents;
    let slot: number;
    if (this.count === max) {
      // Full: the new event takes the oldest one's slot.
      slot = this.head;
      this.totalBytes += bytes - this.sizes[slot];
      this.head = slot + 1 === max ? 0 : slot + 1;
      this.evictedCount++;
    } else {
      // Both are below maxEvents: a subtraction instead of a division per event.
      slot = this.head + this.count;
      if (slot >= max) slot -= max;
      this.count++;
      this.totalBytes += bytes;
    }
    this.events[slot] = event;
    this.sizes[slot] = bytes;
    while (this.totalBytes > this.maxBytes && this.count > 1) this.evictOldest();
  }

  /** Matching events, oldest first; with `limit`, the newest `limit` of them. */
  query(query: HistoryQuery = {}): BusEvent[] {
    const matches = query.type ? compilePattern(query.type) : undefined;
    const limit = query.limit ?? Infinity;
    const found: BusEvent[] = [];
    for (let i = this.count - 1; i >= 0 && found.length < limit; i--) {
      const event = this.events[(this.head + i) % this.maxEvents]!;
      if (query.correlationId !== undefined && event.correlationId !== query.correlationId) continue;
      if (matches !== undefined && !matches(event.type)) continue;
      found.push(event);
    }
    return found.reverse();
  }

  clear(): void {
    this.events.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.totalBytes = 0;
  }

  private evictOldest(): void {
    this.totalBytes -= this.sizes[this.head];
    this.events[this.head] = undefined;
    this.head = this.head + 1 === this.maxEvents ? 0 : this.head + 1;
    this.count--;
    this.evictedCount++;
  }
}
