import type { DeadLetter, DeadLetterQuery } from './bus.interfaces';

/** Failures kept after their last attempt, oldest evicted first beyond `maxEntries`. */
export class DeadLetterQueue {
  private readonly entries = new Map<string, DeadLetter>();
  private added = 0;

  constructor(private readonly maxEntries: number) {}

  /** How many dead letters were ever added, evicted or replayed ones included. */
  get total(): number {
    return this.added;
  }

  get size(): number {
    return this.entries.size;
  }

  add(letter: DeadLetter): void {
    this.entries.set(letter.id, letter);
    this.added++;
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  get(id: string): DeadLetter | undefined {
    return this.entries.get(id);
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  /** Matching dead letters, oldest first; with `limit`, the newest `limit` of them. */
  list(query: DeadLetterQuery = {}): DeadLetter[] {
    const found = [...this.entries.values()].filter(
      (letter) =>
        (query.type === undefined || letter.event.type === query.type) &&
        (query.handler === undefined || letter.handler === query.handler) &&
        (query.correlationId === undefined || letter.event.correlationId === query.correlationId),
    );
    return query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit));
  }
}
