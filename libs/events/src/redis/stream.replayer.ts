import type { DeliverInbound, SettleReport, TransportReplayQuery } from '../bus/ports/event-transport.port';
import { decodeEvent } from '../event/event.codec';
import type { RedisClient } from './redis.connections';
import { readEntry, toEntries } from './stream.entry';

/** Entries read per XRANGE. */
const PAGE = 500;
const NOTHING: SettleReport = Object.freeze({ retried: [], deadLettered: [] });
const SETTLED = (): Promise<SettleReport> => Promise.resolve(NOTHING);

/**
 * Re-delivers what the event streams still hold between `from` and `to` (by entry time), one at a time and in
 * stream order, marked `replay`. It reads with XRANGE: no group's position or pending list changes, and
 * settling a replayed delivery does nothing.
 */
export async function replayStreams(
  commands: RedisClient,
  streamKeys: readonly string[],
  query: TransportReplayQuery,
  deliver: DeliverInbound,
): Promise<{ delivered: number }> {
  let delivered = 0;
  for (const key of streamKeys) {
    let start = String(query.from.getTime());
    const end = String(query.to.getTime());
    for (;;) {
      const entries = toEntries(await commands.xrange(key, start, end, 'COUNT', PAGE));
      for (const raw of entries) {
        const fields = readEntry(raw);
        if (fields === undefined || (query.accepts !== undefined && !query.accepts(fields.type))) continue;
        let event;
        try {
          event = decodeEvent({ 'event-type': fields.type }, fields.body);
        } catch {
          continue; // not an event: the consumers dead-lettered it when they read it
        }
        const trace = fields.trace ? { trace: fields.trace } : {};
        await deliver({ event, attempt: 1, replay: true, ...trace, settle: SETTLED });
        delivered++;
      }
      if (entries.length < PAGE) break;
      start = `(${entries[entries.length - 1].id}`;
    }
  }
  return { delivered };
}
