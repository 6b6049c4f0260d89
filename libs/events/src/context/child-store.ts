import type { BusEvent } from '../event/bus-event.interface';
import { causationDepthOf } from '../event/causation-depth';
import {
  ACTOR_ID_KEY,
  CAUSATION_DEPTH_KEY,
  CAUSATION_ID_KEY,
  CORRELATION_ID_KEY,
  type EventContextStore,
} from './context.keys';

/**
 * The store handlers of `event` run in: a copy of the emitter's store (so their writes stay theirs) holding the
 * event's correlation id, the event's id as causation id, its actor, and its causation depth (so events the
 * handlers emit are one hop deeper).
 */
export function childStore(parent: EventContextStore | null, event: BusEvent): EventContextStore {
  const store: EventContextStore = parent === null ? {} : copyStore(parent);
  store[CORRELATION_ID_KEY] = event.correlationId;
  store[CAUSATION_ID_KEY] = event.id;
  store[ACTOR_ID_KEY] = event.actorId;
  store[CAUSATION_DEPTH_KEY] = causationDepthOf(event);
  return store;
}

/**
 * A shallow copy of a context store, the same as `{ ...parent }`. Object spread of a nestjs-cls store falls off
 * V8's fast clone path; `Object.assign` does not. Assign would run the `__proto__` setter for an own `__proto__`
 * key, so that rare store still goes through spread.
 */
export function copyStore(parent: EventContextStore): EventContextStore {
  return Object.hasOwn(parent, '__proto__') ? { ...parent } : Object.assign({}, parent);
}
