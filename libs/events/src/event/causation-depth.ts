import type { BusEvent } from './bus-event.interface';

/**
 * The metadata key that carries an event's causation depth: how many handler hops it is from the event that
 * started its chain (0 for an event emitted outside any handler, left out then). It travels with the event, so a
 * chain that crosses processes keeps counting.
 */
export const CAUSATION_DEPTH_KEY = 'causationDepth';

/** A bound on what an incoming event may claim, far above any sane limit. */
const MAX_CARRIED_DEPTH = 1_000_000;

/** The causation depth an event carries in its metadata: a whole number, else 0 (a missing or hostile value). */
export function causationDepthOf(event: BusEvent): number {
  const metadata = event.metadata;
  // A plain read first: most events carry no depth, and this runs for every handler context.
  const depth = metadata?.[CAUSATION_DEPTH_KEY];
  if (depth === undefined || !Object.hasOwn(metadata, CAUSATION_DEPTH_KEY)) return 0;
  return Number.isSafeInteger(depth) && (depth as number) >= 0
    ? Math.min(depth as number, MAX_CARRIED_DEPTH)
    : 0;
}
