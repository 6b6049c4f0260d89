/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `done` every `everyMs` until it holds; fails loudly after `timeoutMs` (work reported a moment after a
 * reply, say).
 */
export async function until(
  done: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  everyMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await delay(everyMs);
  }
}

/**
 * `until` for checks that read a database or lists of thousands of records whole, from other processes: by
 * default every 100 ms rather than every 5, with the timeout always given.
 */
export function eventually(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  return until(done, timeoutMs, everyMs);
}
