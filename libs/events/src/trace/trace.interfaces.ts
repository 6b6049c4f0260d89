import type { HandlerOutcome } from '../bus/bus-observer';
import type { EventSeverity } from '../event/bus-event.interface';

/** How one attempt of a handler ended, as the timeline draws it. */
export type TraceAttemptOutcome = 'success' | 'retried' | 'failed' | 'dead-letter';

/** Where an event of the story was found. */
export type TraceOrigin = 'history' | 'audit' | 'store';

/** One attempt of one handler on one event, in the process that ran it. */
export interface TraceAttempt {
  /** 1 for the first try, counted over every process that ran the handler. */
  attempt: number;
  /** `retried`: failed, and the handler ran again; `failed`: failed last with no dead letter (yet). */
  outcome: TraceAttemptOutcome;
  /** ISO-8601 UTC; equals `endedAt` when the attempt was not timed. */
  startedAt: string;
  endedAt: string;
  durationMs?: number;
  /** The service (module `source`) that ran it. */
  source: string;
  /** The process (`host:pid`) that ran it. */
  instance: string;
}

/** A handler's part in one event: its final outcome and every attempt. */
export interface TraceHandler {
  handler: string;
  /** How its last attempt ended. */
  outcome: HandlerOutcome;
  attempts: number;
  /** The service that ran its last attempt, when recorded. */
  source?: string;
  /** Set when its failure went to the dead letters: `Name: message` of the last error. */
  error?: string;
  deadLetterId?: string;
  /** Each recorded attempt, oldest first. */
  attemptLog: TraceAttempt[];
}

/** One event of the story; `children` are the events its handlers emitted (their `causationId` is its id). */
export interface TraceEvent {
  id: string;
  type: string;
  version?: number;
  timestamp: string;
  severity: EventSeverity;
  /** The service that emitted it. */
  source: string;
  actorId?: string;
  causationId?: string;
  /** The payload as stored: secret keys were redacted when the event was created. */
  data: unknown;
  /** Where it was found, in this order: this process's history, the audit trail, the trace store. */
  foundIn: TraceOrigin[];
  auditSeq?: number;
  handlers: TraceHandler[];
  children: TraceEvent[];
}

/** One correlation id's story: every event, arranged by causation, with what each handler did. */
export interface EventTrace {
  correlationId: string;
  /** Number of distinct events. */
  events: number;
  /** Actors that appear in the story, in order of appearance. */
  actors: string[];
  /** Services that emitted events or ran handlers, in order of appearance. */
  sources: string[];
  /** Time of the first event and of the last event or attempt. */
  startedAt?: string;
  endedAt?: string;
  /** Events whose cause is not in the story (the request's first events, typically), oldest first. */
  roots: TraceEvent[];
}
