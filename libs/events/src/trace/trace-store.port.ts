import type { HandlerOutcome } from '../bus/bus-observer';
import type { EventSeverity } from '../event/bus-event.interface';

/** What every recorded entry says about where it was recorded. */
interface RecordedIn {
  readonly correlationId: string;
  /** The service (the module's `source`) of the process that recorded it. */
  readonly source: string;
  /** The process that recorded it (`host:pid`): instances of one service share a source. */
  readonly instance: string;
}

/** An event as the process that built it saw it (payload already redacted). */
export interface RecordedEvent extends RecordedIn {
  readonly kind: 'event';
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly timestamp: string;
  readonly causationId?: string;
  readonly actorId?: string;
  readonly eventSource: string;
  readonly severity: EventSeverity;
  readonly data: unknown;
}

/** One handler attempt, recorded by the process that ran it. */
export interface RecordedAttempt extends RecordedIn {
  readonly kind: 'attempt';
  readonly eventId: string;
  readonly handler: string;
  readonly outcome: HandlerOutcome;
  /** ISO-8601 UTC, when the attempt ended. */
  readonly endedAt: string;
  /** Set when the attempt was timed (every async attempt, a sample of synchronous ones). */
  readonly durationMs?: number;
}

/** A handler failure that went to the dead letters, recorded by the process that kept it. */
export interface RecordedDeadLetter extends RecordedIn {
  readonly kind: 'dead-letter';
  readonly eventId: string;
  readonly handler: string;
  readonly deadLetterId: string;
  readonly attempts: number;
  readonly failedAt: string;
  /** `Name: message` of the last error (never its stack). */
  readonly error: string;
}

/** One line of a story, as a `TraceStore` keeps it: plain JSON. */
export type TraceEntry = RecordedEvent | RecordedAttempt | RecordedDeadLetter;

/**
 * Where each process records its part of every story (the events it built, the handler attempts it ran, its
 * dead letters), so that any instance can read a whole story back. `MemoryTraceStore` keeps this process's part
 * only; `RedisTraceStore` (`nestjs-event-bus/redis`) shares one bounded list per correlation id between processes.
 */
export interface TraceStore {
  /** Opens connections; called once at startup. */
  init?(): Promise<void>;
  /** Adds entries, each to its correlation id's story; a store bounds what it keeps. */
  append(entries: readonly TraceEntry[]): Promise<void>;
  /** The entries of one story, in the order they were appended (per process). */
  read(correlationId: string): Promise<TraceEntry[]>;
  /** Releases connections; called at shutdown after the last append. */
  close?(): Promise<void>;
}
