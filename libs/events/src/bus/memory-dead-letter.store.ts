import type { DeadLetter, DeadLetterQuery } from './bus.interfaces';
import type { DeadLetterStore } from './ports/dead-letter-store.port';

/** What one letter costs beyond its texts: the record, its error object and the map entry. */
const LETTER_OVERHEAD_BYTES = 256;

/**
 * The in-process `DeadLetterStore`: the newest letters in memory, oldest evicted first, bounded by count
 * (`maxEntries`) and by estimated bytes (`maxBytes`: the event as JSON, the error's message and stack, two bytes a
 * character). A letter larger than `maxBytes` on its own is not kept (its failure is still logged and announced as
 * `event.handler.failed`); `oversized` counts those.
 */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly entries = new Map<string, { letter: DeadLetter; bytes: number }>();
  private added = 0;
  private bytes = 0;
  /** Letters not kept because each alone was larger than `maxBytes`. */
  oversized = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  get total(): number {
    return this.added;
  }

  /** Estimated bytes of the letters kept. */
  get size(): number {
    return this.bytes;
  }

  add(letter: DeadLetter): void {
    this.added++;
    const bytes = letterBytes(letter);
    if (bytes > this.maxBytes) {
      this.oversized++;
      return;
    }
    this.entries.set(letter.id, { letter, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      this.remove(this.entries.keys().next().value!);
    }
  }

  get(id: string): DeadLetter | undefined {
    return this.entries.get(id)?.letter;
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }

  list(query: DeadLetterQuery = {}): DeadLetter[] {
    const found: DeadLetter[] = [];
    for (const { letter } of this.entries.values()) {
      if (
        (query.type === undefined || letter.event.type === query.type) &&
        (query.handler === undefined || letter.handler === query.handler) &&
        (query.correlationId === undefined || letter.event.correlationId === query.correlationId)
      ) {
        found.push(letter);
      }
    }
    return query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit));
  }
}

/** A letter's estimated heap bytes: its event as JSON and its texts, two bytes a character. */
function letterBytes(letter: DeadLetter): number {
  let characters = letter.handler.length + letter.error.message.length + (letter.error.stack?.length ?? 0);
  try {
    characters += JSON.stringify(letter.event).length;
  } catch {
    // An event changed by middleware may hold values JSON cannot write: count it as large, not as free.
    characters += 1024 * 1024;
  }
  return LETTER_OVERHEAD_BYTES + 2 * characters;
}
