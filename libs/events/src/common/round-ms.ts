/** Milliseconds rounded to the microsecond, as the plugin reports durations. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
