import type { EventContextStore } from '../../context/context.keys';
import type { BusEvent } from '../../event/bus-event.interface';
import type { EventTraceContext } from '../../event/event.codec';
import type { EmitResult, EventHandler } from '../bus.interfaces';

/**
 * What the bus gives its outbox once: the way back in for events whose transaction committed, and the trace
 * context to keep beside an event it captures.
 */
export interface OutboxBusSide {
  /**
   * Delivers an event read back from a committed outbox row, as the bus would have at `emit()`: middleware,
   * history, observers, the transport for a distributed event (awaited), then the handlers, in a context made
   * from the event. Resolves once they settled; rejects only when the transport did not take the event (the row
   * stays for a later try). `size` estimates the event's heap bytes (for the history's bound).
   */
  deliver(event: BusEvent, size: number, trace?: EventTraceContext): Promise<EmitResult>;
  /** The trace context to keep beside `event` (its emitter's, read now), or undefined without active tracing. */
  traceOf(event: BusEvent): EventTraceContext | undefined;
}

/** The outbox's figures, read when metrics are scraped. */
export interface OutboxStats {
  /** Rows waiting in the store. */
  readonly rows: number;
  /** When the oldest waiting row was written; undefined when none waits. */
  readonly oldestAt: Date | undefined;
  /** Batches this process's relay claimed, rows it delivered, and deliveries that failed (rows kept). */
  readonly batches: number;
  readonly published: number;
  readonly failures: number;
}

/** The outbox's own view of its health, for the health indicator. */
export interface OutboxHealth {
  readonly up: boolean;
  /** Why it is down. */
  readonly reason?: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Where the bus puts events emitted inside a database transaction, so that they are dispatched only once the
 * transaction committed (the transactional outbox, `nestjs-event-bus/outbox`). Without one the bus pays a single
 * field check per emit.
 */
export interface EventOutbox {
  /** Called once by the bus that uses this outbox, before any other call. */
  attach(bus: OutboxBusSide): void;
  /**
   * Called by `emit()`/`emitAsync()` with each event they built (validated, redacted, checked), before anything
   * is dispatched; `store` is the emitter's context as the bus read it. True when an open transaction took the
   * event: the bus then dispatches nothing now (the relay delivers it after commit, never after a rollback).
   */
  capture(event: BusEvent, store: EventContextStore | null): boolean;
  /** Starts delivering committed rows (after listener discovery, once handlers are known). */
  start(): Promise<void>;
  /** Stops delivering (at shutdown, before the transport closes); waits for the rows in hand. */
  stop(): Promise<void>;
  stats(): Promise<OutboxStats>;
  health(): Promise<OutboxHealth>;
}

/** Injection token of the bus's `EventOutbox` (none by default). */
export const EVENT_OUTBOX = Symbol('nestjs-event-bus:event-outbox');

/**
 * The inbox of `idempotent` listeners: wraps a handler so that each attempt runs in a transaction of its own
 * that first records (event id, handler name), and skips the handler when that was recorded before.
 */
export interface EventInbox {
  /**
   * The handler to subscribe instead of `handler`. Throws `EventsConfigError` when the inbox cannot work (no
   * transaction manager to open transactions with).
   */
  wrap(handler: EventHandler, name: string): EventHandler;
}

/** Injection token of the bus's `EventInbox` (none by default: `idempotent: true` is then refused). */
export const EVENT_INBOX = Symbol('nestjs-event-bus:event-inbox');
