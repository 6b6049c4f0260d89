import type { DeadLetter, DeadLetterQuery } from './bus.interfaces';
import type { DeadLetterStore } from './ports/dead-letter-store.port';

/** The in-process `DeadLetterStore`: the newest `maxEntries` letters in memory, oldest evicted first. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly entries = new Map<string, DeadLetter>();
  private added = 0;

  constructor(private readonly maxEntries: number) {}

  get total(): number {
    return this.added;
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
