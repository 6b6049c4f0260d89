// What children/history.child sends back, shared with its scenario (which must not import the child itself).

/** Far above what any measured history needs, so only `maxEvents` bounds it, honest estimate or not. */
export const HISTORY_MAX_BYTES = 256 * 1024 * 1024;

export const SHAPE_NAMES = ['{ userId, seq }', '200 x { x }'] as const;
export type Shape = (typeof SHAPE_NAMES)[number];

/**
 * Fresh buses filled together in one repetition, per shape: their histories hold ~13-50 MiB together, far above
 * the heap's own noise (fragmentation, JIT data: tens of KiB either way).
 */
export const BUSES: Readonly<Record<Shape, number>> = { '{ userId, seq }': 40, '200 x { x }': 4 };

export interface HistoryFigures {
  /** Buses filled together in one repetition. */
  buses: number;
  /** Events one repetition's differences cover, net: those added less those they evicted, over all buses. */
  events: number;
  /** Bytes retained, one figure per repetition. */
  retained: number[];
  /** Change of the summed `stats().history.bytes`, one figure per repetition. */
  estimate: number[];
}

export type HistoryReport = Record<Shape, HistoryFigures>;
