/** Keys under which the bus keeps its values in the nestjs-cls store; symbols, so they never clash with yours. */
export const CORRELATION_ID_KEY = Symbol('nestjs-event-bus:correlationId');
export const CAUSATION_ID_KEY = Symbol('nestjs-event-bus:causationId');
export const ACTOR_ID_KEY = Symbol('nestjs-event-bus:actorId');
/** Inside a handler: the causation depth of the event being handled (see `event/causation-depth.ts`). */
export const CAUSATION_DEPTH_KEY = Symbol('nestjs-event-bus:causationDepth');

/** The shape the bus reads from a nestjs-cls store. */
export interface EventContextStore {
  [CORRELATION_ID_KEY]?: string;
  [CAUSATION_ID_KEY]?: string;
  [ACTOR_ID_KEY]?: string;
  [CAUSATION_DEPTH_KEY]?: number;
  [key: string | symbol]: unknown;
}

/**
 * Where the outbox's frame of the current database transaction is kept (set by the adapter `transactionalOutbox()`
 * wraps, read when an event is emitted): the events emitted inside the transaction wait there for its commit.
 */
export const OUTBOX_FRAME_KEY = Symbol('nestjs-event-bus:outboxFrame');
