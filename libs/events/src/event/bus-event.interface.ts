/** How serious an event is; drives log levels and alerting. */
export type EventSeverity = 'debug' | 'info' | 'warning' | 'error' | 'critical';

/** The severities, least serious first. */
export const EVENT_SEVERITIES: readonly EventSeverity[] = Object.freeze([
  'debug',
  'info',
  'warning',
  'error',
  'critical',
]);

/**
 * One thing that happened. Deep-frozen when created, and `JSON.parse(JSON.stringify(event))` gives an equal
 * event back (use `parseEvent()` to get a validated, frozen one).
 */
export interface BusEvent<T = unknown> {
  /** UUIDv7: time-ordered, strictly increasing within one bus. */
  readonly id: string;
  /** Dotted lowercase type, e.g. `user.created`. */
  readonly type: string;
  /** Payload schema version, default 1. */
  readonly version: number;
  /** The payload: plain JSON data, frozen. */
  readonly data: T;
  /** ISO-8601 UTC with millisecond precision. */
  readonly timestamp: string;
  /** The story this event belongs to: from the request context, else the id of the event that began it. */
  readonly correlationId: string;
  /** The id of the event whose handler emitted this one. */
  readonly causationId?: string;
  /** The emitting service (`options.source`, default `app`). */
  readonly source: string;
  /** Who did it, from the request context or the emit options. */
  readonly actorId?: string;
  readonly severity: EventSeverity;
  readonly metadata: Readonly<Record<string, unknown>>;
}
