import type { LoggerService } from '@nestjs/common';
import type { DeliverInbound } from '../bus/ports/event-transport.port';
import { errorMessage } from '../common/error-message';
import { decodeEvent } from '../event/event.codec';
import type { InHandEntries } from './in-hand';
import type { RedisClient } from './redis.connections';
import type { StreamAcker } from './stream.acker';
import { readEntry, type RawEntry } from './stream.entry';
import type { ReadEntry, Source, StreamSettler } from './stream.settler';
import type { TransportCounters } from './transport.counters';

/** What the dispatcher hands entries to and counts them in. */
export interface DispatchContext {
  readonly deliver: DeliverInbound;
  readonly accepts: (type: string) => boolean;
  readonly settler: StreamSettler;
  readonly acker: StreamAcker;
  readonly inHand: InHandEntries;
  readonly counters: TransportCounters;
  readonly commands: RedisClient;
  /** Run the entries of one event stream one after the other (partitions keep per-key order). */
  readonly ordered: boolean;
  readonly dedupe: boolean;
  readonly logger: LoggerService;
}

/**
 * Hands read or claimed entries to the bus: acknowledges at once those whose type no handler here takes, keeps
 * entries that are not events in the dead letters, and starts a delivery for each of the rest without waiting
 * for it (the reader's COUNT already bounds how many run).
 */
export class EntryDispatcher {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly context: DispatchContext) {}

  async dispatch(source: Source, entries: readonly RawEntry[]): Promise<void> {
    const ready: ReadEntry[] = [];
    for (const raw of entries) {
      if (this.context.inHand.has(source.key, raw.id)) continue;
      const entry = this.read(source, raw);
      if (entry !== undefined) ready.push(entry);
    }
    if (ready.length === 0) return;
    const done = this.context.dedupe ? await this.doneSets(ready) : undefined;
    ready.forEach((entry, i) => this.start(entry, done?.[i]));
  }

  /** The entry decoded, or undefined when it was acknowledged or dead-lettered instead. */
  private read(source: Source, raw: RawEntry): ReadEntry | undefined {
    const { acker, accepts, logger } = this.context;
    const fields = readEntry(raw);
    if (fields !== undefined && !accepts(fields.type)) {
      acker.ack(source.key, raw.id, source.retry).catch(() => undefined);
      return undefined;
    }
    try {
      if (fields === undefined) throw new Error('the entry has no event fields');
      const event = decodeEvent({ 'event-type': fields.type }, fields.body);
      return { source, id: raw.id, fields, event };
    } catch (error) {
      const reason = errorMessage(error);
      logger.error(`Entry ${raw.id} of ${source.key} is not an event (${reason}); kept in the dead letters`);
      this.context.settler
        .undecodable(source, raw.id, raw.fields, reason)
        .catch((failure: unknown) =>
          logger.error(`Could not dead-letter ${raw.id}: ${errorMessage(failure)}`),
        );
      return undefined;
    }
  }

  private start(entry: ReadEntry, done: ReadonlySet<string> | undefined): void {
    const { inHand, counters } = this.context;
    inHand.add(entry.source.key, entry.id);
    counters.consumed++;
    if (!this.context.ordered || entry.source.retry) {
      void this.run(entry, done);
      return;
    }
    const key = entry.source.key;
    const next = (this.chains.get(key) ?? Promise.resolve()).then(() => this.run(entry, done));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async run(entry: ReadEntry, done: ReadonlySet<string> | undefined): Promise<void> {
    await this.context.inHand.acquireSlot();
    try {
      await this.context.deliver(this.context.settler.delivery(entry, done));
    } catch (error) {
      // Left pending: after claimIdleMs this or another instance claims it and delivers it again.
      this.context.logger.error(
        `Delivery of ${entry.source.key} ${entry.id} (${entry.fields.type}) failed: ${errorMessage(error)}`,
      );
    } finally {
      this.context.inHand.releaseSlot();
      this.context.inHand.remove(entry.source.key, entry.id);
    }
  }

  /** Per entry, the handlers the dedupe window says are done with its event (one round trip for the batch). */
  private async doneSets(entries: readonly ReadEntry[]): Promise<(ReadonlySet<string> | undefined)[]> {
    const pipeline = this.context.commands.pipeline();
    for (const entry of entries) pipeline.smembers(entry.source.keys.done(entry.event.id));
    const results = (await pipeline.exec()) ?? [];
    return entries.map((_, i) => {
      const [error, members] = results[i] ?? [null, []];
      return error === null && Array.isArray(members) && members.length > 0
        ? new Set(members as string[])
        : undefined;
    });
  }
}
