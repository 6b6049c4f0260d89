import type { BusEvent, EventSeverity } from '../event/bus-event.interface';
import type { EventDefinition } from '../event/event-definition';

/** Per-emit overrides; anything not given comes from the context or the module options. */
export interface EmitOptions {
  correlationId?: string;
  causationId?: string;
  actorId?: string;
  severity?: EventSeverity;
  metadata?: Record<string, unknown>;
  source?: string;
}

/** `emitAsync()`'s options: those of `emit()`, and whether to collect what the handlers returned. */
export interface EmitAsyncOptions extends EmitOptions {
  /** List each successful handler's return value (a promise's value) in `EmitResult.results`. */
  results?: boolean;
}

/** What one handler returned, in `EmitResult.results`. */
export interface HandlerResult<R = unknown> {
  /** The handler's name (`ClassName.method` for `@OnEvent`, or the `name` option). */
  handler: string;
  value: R;
}

/** A handler whose last attempt failed. */
export interface HandlerFailure {
  /** The handler's name (`ClassName.method` for `@OnEvent`, or the `name` option). */
  handler: string;
  error: Error;
  /** How many times it was tried, the first try included. */
  attempts: number;
}

/** What `emitAsync()` resolves to once every handler has settled. */
export interface EmitResult<T = unknown> {
  event: BusEvent<T>;
  /** Handlers that ran, successful or not. */
  handled: number;
  failed: HandlerFailure[];
  /**
   * With `emitAsync(..., { results: true })`: what each successful handler returned, in the order they
   * finished. Failed handlers are in `failed` instead.
   */
  results?: HandlerResult[];
  /**
   * For a distributed event with a remote transport: true once the transport has it, false when publishing
   * failed (the loss is logged and announced as `event.publish.failed`). Absent for other events.
   */
  published?: boolean;
  /**
   * Set when `emitAsync()` ran inside a database transaction with the outbox on: the event was written to the
   * outbox and nothing ran yet (`handled` is 0). Its handlers run once the transaction committed, from the relay,
   * and never if it rolls back; `published` stays unset.
   */
  deferred?: true;
}

/** What `replay()` re-delivers: the events the transport still holds in a time window. */
export interface ReplayQuery {
  from: Date | string;
  /** Default: now. */
  to?: Date | string;
  /** Only these types or patterns; default every type this service handles. */
  types?: EventPattern[];
}

/**
 * Retry policy for a failing handler: `attempts` counts every try, the first included. The delay before try
 * n+1 is `backoffMs * factor^(n-1)`, capped at `maxBackoffMs`, then reduced by a random share up to `jitter`.
 */
export interface RetryPolicy {
  attempts: number;
  /** Delay before the first retry; default 100 ms. */
  backoffMs?: number;
  /** Growth per retry; default 2. */
  factor?: number;
  /** Upper bound for one delay; default 30 s. */
  maxBackoffMs?: number;
  /** Share of each delay taken off at random (0 to 1); default 0.5. */
  jitter?: number;
}

/** Options for one listener, from `on()`/`once()` or `@OnEvent()`. */
export interface ListenerOptions<T = unknown> {
  /** Higher runs first; equal priority keeps registration order. See `EventPriority`. */
  priority?: number;
  /** Only events for which this returns true reach the handler. */
  filter?: (event: BusEvent<T>) => boolean;
  /** Unsubscribe after the first delivery. */
  once?: boolean;
  retry?: RetryPolicy;
  /** An async handler still running after this long counts as failed (and is retried per `retry`). */
  timeoutMs?: number;
  /** The handler's name in dead letters, stats and metrics. */
  name?: string;
  /**
   * For a distributed event: run in the process that emitted it, at `emit()`, rather than through the
   * transport (where one instance of each service handles it). No effect on other events.
   */
  local?: boolean;
  /**
   * Inbox: each attempt runs in a new transaction of the outbox's transaction manager that first records
   * (event id, handler name); a delivery already recorded skips the handler. The handler's writes through the
   * transaction (and the events it emits) commit with that record or roll back with it, so its effect is
   * committed once per event even when the event arrives twice. Needs the `outbox` module option.
   */
  idempotent?: boolean;
}

/** A handler receives the event; it may return a promise, which the bus tracks. */
export type EventHandler<T = unknown> = (event: BusEvent<T>) => unknown;

/** One subscribed listener, as `EventBusService.listeners()` lists it. */
export interface ListenerInfo {
  /** The handler's name (`ClassName.method` for `@OnEvent`, or the `name` option). */
  readonly name: string;
  /** The type or pattern it subscribed to. */
  readonly pattern: string;
  readonly priority: number;
  /** Runs in the emitting process only (`local: true`), for a distributed event. */
  readonly local: boolean;
}

/** Returned by `on()`/`once()`. */
export interface Subscription {
  unsubscribe(): void;
  /** False once unsubscribed (or, for `once`, after its delivery). */
  readonly active: boolean;
}

/** What a listener can subscribe to: a type, a pattern with `*`/`**`, or a definition. */
export type EventPattern = string | EventDefinition<unknown, unknown>;

/** Synchronous hooks around every dispatch. */
export interface EventMiddleware {
  /** Return a changed copy of the event, nothing to keep it, or `false` to drop it. */
  before?(event: BusEvent): BusEvent | void | false;
  /** Runs after the handlers were started (`emit`) or settled (`emitAsync`). */
  after?(event: BusEvent, result: EmitResult): void;
}

/** A handler failure kept after its last attempt. */
export interface DeadLetter {
  id: string;
  event: BusEvent;
  handler: string;
  error: { name: string; message: string; stack?: string };
  attempts: number;
  /** ISO time of the last failure. */
  failedAt: string;
}

export interface DeadLetterQuery {
  type?: string;
  handler?: string;
  correlationId?: string;
  limit?: number;
}

export interface HistoryQuery {
  /** A type or pattern (`user.*`, `**`). */
  type?: string;
  correlationId?: string;
  /** At most this many: the newest ones, still returned oldest first. */
  limit?: number;
}

/** Figures for one handler in `stats()`. */
export interface HandlerStats {
  calls: number;
  failures: number;
  retries: number;
  /** Duration figures over recent timed calls (all async calls, a sample of synchronous ones), in ms. */
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

/** A snapshot of the bus's figures. */
export interface EventBusStats {
  enabled: boolean;
  /** False until listener discovery completed; events emitted before are held. */
  ready: boolean;
  emitted: number;
  /** Handler invocations that succeeded / failed (each attempt counts once). */
  handled: number;
  failed: number;
  retried: number;
  deadLetters: number;
  inFlight: number;
  held: number;
  /** Events that could not be held before startup because the queue was full. */
  droppedBeforeReady: number;
  listeners: number;
  history: { size: number; bytes: number; evicted: number };
  byType: Record<string, number>;
  handlers: Record<string, HandlerStats>;
}
