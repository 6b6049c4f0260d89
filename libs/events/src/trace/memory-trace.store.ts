import type { TraceEntry, TraceStore } from './trace-store.port';

/** Bounds of a `MemoryTraceStore`. */
export interface MemoryTraceStoreOptions {
  /** Stories kept; the oldest story is dropped beyond it. Default 5000. */
  maxStories?: number;
  /** Entries kept per story; later ones are dropped. Default 2000. */
  maxEntriesPerStory?: number;
}

/**
 * Keeps this process's part of the most recent stories in memory: the default `TraceStore`. Enough for one
 * process; several processes need a shared store (`RedisTraceStore`) to read each other's handler attempts.
 */
export class MemoryTraceStore implements TraceStore {
  private readonly stories = new Map<string, TraceEntry[]>();
  private readonly maxStories: number;
  private readonly maxEntries: number;

  constructor(options: MemoryTraceStoreOptions = {}) {
    this.maxStories = positive(options.maxStories, 5000, 'maxStories');
    this.maxEntries = positive(options.maxEntriesPerStory, 2000, 'maxEntriesPerStory');
  }

  append(entries: readonly TraceEntry[]): Promise<void> {
    for (const entry of entries) {
      let story = this.stories.get(entry.correlationId);
      if (story === undefined) {
        if (this.stories.size >= this.maxStories) this.stories.delete(this.stories.keys().next().value!);
        story = [];
        this.stories.set(entry.correlationId, story);
      }
      if (story.length < this.maxEntries) story.push(entry);
    }
    return Promise.resolve();
  }

  read(correlationId: string): Promise<TraceEntry[]> {
    return Promise.resolve([...(this.stories.get(correlationId) ?? [])]);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`MemoryTraceStore: ${name} must be a whole number >= 1, received ${value}.`);
  }
  return value;
}
