import type { RetryPolicy } from '../bus/bus.interfaces';
import type { EventDefinition } from '../event/event-definition';

/** History kept in memory for `history()` queries. */
export interface HistoryOptions {
  /** Default 1000. */
  maxEvents?: number;
  /** Approximate JSON bytes; default 10 MiB. */
  maxBytes?: number;
}

/** Options of `EventsModule.forRoot()` / `forRootAsync()`. */
export interface EventsModuleOptions {
  /** Stamped on every event as `source`; default `app`. */
  source?: string;
  /** Reject event types (emitted or listened to) that no definition declares. */
  strict?: boolean;
  /** Event definitions known up front (definitions used in `emit()` or `@OnEvent()` are learned as they come). */
  definitions?: readonly EventDefinition<unknown, unknown>[];
  /** `false` turns history off. */
  history?: false | HistoryOptions;
  deadLetters?: { maxEntries?: number };
  /** Default policy for listeners without their own; default `{ attempts: 1 }` (no retry). */
  retry?: RetryPolicy;
  /** How long `app.close()` waits for in-flight handlers; default 10 s. */
  shutdownTimeoutMs?: number;
  /** How many events emitted before startup completes are held for delivery; default 10,000. */
  maxHeldEvents?: number;
}
