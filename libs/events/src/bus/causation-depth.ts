import { CAUSATION_DEPTH_KEY as DEPTH_IN_STORE, type EventContextStore } from '../context/context.keys';
import { CausationDepthError } from '../errors/causation-depth.error';
import { CAUSATION_DEPTH_KEY } from '../event/causation-depth';

/** The default of the `maxCausationDepth` option. */
export const DEFAULT_MAX_CAUSATION_DEPTH = 32;

/**
 * The causation-depth limit of one bus. An event emitted outside any handler has depth 0; one emitted by a handler
 * of an event of depth d has depth d + 1 (the handler's context holds d, see `childStore`). An emit deeper than
 * the limit is refused with `CausationDepthError`, thrown into the handler that emitted: a handler that re-emits
 * its own event, synchronously or after any number of awaits, timers or I/O, stops after `max` hops.
 */
export class CausationDepthLimit {
  /** Metadata holding only a depth, frozen once per depth (most events emitted in handlers carry no other). */
  private readonly depthOnly = new Map<number, Readonly<Record<string, unknown>>>();
  private capNext = false;

  constructor(readonly max: number) {}

  /** The depth of an event emitted in `store`; throws `CausationDepthError` past the limit. */
  next(type: string, store: EventContextStore | null): number {
    const capped = this.capNext;
    this.capNext = false;
    const parent = store?.[DEPTH_IN_STORE];
    if (parent === undefined) return 0;
    const depth = parent + 1;
    if (depth <= this.max) return depth;
    if (capped) return this.max;
    throw new CausationDepthError(type, depth, this.max);
  }

  /**
   * The next emit is the bus's own announcement of a failure (`event.handler.failed`): it is never refused, and
   * takes at most the limit's depth, so its handlers cannot emit further.
   */
  capNextEmit(): void {
    this.capNext = true;
  }

  /** Forgets a `capNextEmit()` that no emit used (the announcement failed before it was built). */
  clearCap(): void {
    this.capNext = false;
  }

  /** `metadata` with the depth added (a new frozen object; a depth of 0 is left out). */
  withDepth(metadata: Readonly<Record<string, unknown>>, depth: number): Readonly<Record<string, unknown>> {
    if (depth === 0) return metadata;
    if (Object.keys(metadata).length > 0) return Object.freeze({ ...metadata, [CAUSATION_DEPTH_KEY]: depth });
    let only = this.depthOnly.get(depth);
    if (only === undefined) {
      only = Object.freeze({ [CAUSATION_DEPTH_KEY]: depth });
      this.depthOnly.set(depth, only);
    }
    return only;
  }
}
