// Sends at a steady rate without spinning a core: a 1 ms timer, and on each tick every event that is due by
// now, handed over together (the batch of that tick).
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `send(first, count)` once per timer tick with the events due since the last tick, until `total` events
 * have been sent at `perSecond`; resolves with the elapsed ms.
 */
export async function pace(
  perSecond: number,
  total: number,
  send: (first: number, count: number) => void,
): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * perSecond) / 1000));
    if (due > sent) {
      send(sent, due - sent);
      sent = due;
    }
    if (sent < total) await sleep(1);
  }
  return performance.now() - started;
}
