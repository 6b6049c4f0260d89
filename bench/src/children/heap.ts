// Heap figures for child processes run with --expose-gc.
import { getHeapSpaceStatistics } from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;

/** Two forced full GCs (the second collects what the first's finalisation released). */
export function collect(): void {
  if (!gc) throw new Error('This child needs node --expose-gc.');
  gc();
  gc();
}

/** heapUsed after `collect()`, in bytes. */
export function heapAfterGc(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

/**
 * Bytes used by objects after a timer tick (pending tasks and finalisers run) and `collect()`: heapUsed without
 * the code spaces, whose size moves with what the JIT compiles or drops, not with what data is kept alive.
 */
export async function objectHeapAfterGc(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  collect();
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('code')) used += space.space_used_size;
  }
  return used;
}
