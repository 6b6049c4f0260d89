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
