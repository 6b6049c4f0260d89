import type { DeadLetter, DeadLetterQuery } from '../bus.interfaces';

/** Keeps handler failures after their last attempt, for `deadLetters()` and `replayDeadLetter()`. */
export interface DeadLetterStore {
  add(letter: DeadLetter): void;
  get(id: string): DeadLetter | undefined;
  remove(id: string): void;
  /** Matching dead letters, oldest first; with `limit`, the newest `limit` of them. */
  list(query?: DeadLetterQuery): DeadLetter[];
  /** How many were ever added, evicted or replayed ones included. */
  readonly total: number;
}

/** Injection token of the bus's `DeadLetterStore`. */
export const DEAD_LETTER_STORE = Symbol('nestjs-event-bus:dead-letter-store');
