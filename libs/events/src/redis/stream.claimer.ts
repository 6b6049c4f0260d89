import type { LoggerService } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { errorMessage } from '../common/error-message';
import { decodeEvent } from '../event/event.codec';
import type { EntryDispatcher } from './entry.dispatcher';
import type { InHandEntries } from './in-hand';
import { execBatch } from './redis.batch';
import type { RedisClient } from './redis.connections';
import { readEntry, toEntries, type RawEntry } from './stream.entry';
import type { Source, StreamSettler } from './stream.settler';
import type { TransportCounters } from './transport.counters';

/** What the claim loop works with. */
export interface ClaimerContext {
  readonly commands: RedisClient;
  readonly group: string;
  readonly consumer: string;
  readonly sources: readonly Source[];
  readonly inHand: InHandEntries;
  readonly dispatcher: EntryDispatcher;
  readonly settler: StreamSettler;
  readonly counters: TransportCounters;
  readonly claimIdleMs: number;
  readonly maxDeliveries: number;
  readonly logger: LoggerService;
}

/** How long an entry handed back looks idle: far past any claimIdleMs, so a peer claims it on its next pass. */
const HANDED_BACK_IDLE_MS = 1_000_000_000;

/**
 * Crash recovery. `claim()` takes over entries idle past claimIdleMs (their consumer died or hung) with
 * XAUTOCLAIM and delivers them, sending to the dead letters without running those delivered more than
 * maxDeliveries times. `heartbeat()` resets the idle time of the entries in hand, so a slow handler is never
 * robbed. `handBack()` makes unfinished entries look long idle for a peer to take at once. `sweep()` deletes
 * consumers of the group that hold nothing and have been idle long.
 */
export class StreamClaimer {
  private readonly cursors = new Map<string, string>();

  constructor(private readonly context: ClaimerContext) {}

  async claim(): Promise<void> {
    const { inHand } = this.context;
    for (const source of this.context.sources) {
      if (inHand.claimable === 0) return;
      await this.claimFrom(source, inHand.claimable);
    }
  }

  async heartbeat(): Promise<void> {
    const { commands, group, consumer, inHand } = this.context;
    const held = inHand.snapshot();
    if (held.size === 0) return;
    const items = [...held].map(([key, ids]) => ({
      key,
      add: (pipeline: ChainableCommander) => pipeline.xclaim(key, group, consumer, 0, ...ids, 'JUSTID'),
    }));
    await execBatch(commands, items);
  }

  /** Hands back every entry still in hand; returns how many. */
  async handBack(): Promise<number> {
    const { commands, group, consumer, inHand, logger } = this.context;
    const held = inHand.snapshot();
    if (held.size === 0) return 0;
    let count = 0;
    const items = [...held].map(([key, ids]) => {
      count += ids.length;
      return {
        key,
        add: (pipeline: ChainableCommander) =>
          pipeline.xclaim(key, group, consumer, 0, ...ids, 'IDLE', HANDED_BACK_IDLE_MS, 'JUSTID'),
      };
    });
    await execBatch(commands, items);
    logger.log(`Handed back ${count} unfinished entries of group ${group} for another instance to take`);
    return count;
  }

  /** Deletes this consumer from every stream where it holds nothing. */
  async leave(): Promise<void> {
    const { commands, group, consumer } = this.context;
    for (const source of this.context.sources) {
      const pending = (await commands.xpending(source.key, group, '-', '+', 1, consumer)) as unknown[];
      if (pending.length === 0) await commands.xgroup('DELCONSUMER', source.key, group, consumer);
    }
  }

  /** Deletes other consumers that hold no entry and have been idle over `idleMs`. */
  async sweep(idleMs: number): Promise<void> {
    const { commands, group, consumer, logger } = this.context;
    for (const source of this.context.sources) {
      const consumers = (await commands.xinfo('CONSUMERS', source.key, group)) as unknown[][];
      for (const row of consumers) {
        const info = new Map<unknown, unknown>();
        for (let i = 0; i + 1 < row.length; i += 2) info.set(row[i], row[i + 1]);
        const name = String(info.get('name'));
        if (name === consumer || Number(info.get('pending')) > 0 || !(Number(info.get('idle')) > idleMs)) {
          continue;
        }
        await commands.xgroup('DELCONSUMER', source.key, group, name);
        logger.log(`Deleted consumer ${name} of group ${group} on ${source.key}: idle and holding nothing`);
      }
    }
  }

  private async claimFrom(source: Source, slots: number): Promise<void> {
    const { commands, group, consumer, inHand, claimIdleMs, counters, logger } = this.context;
    const start = this.cursors.get(source.key) ?? '0-0';
    const reply = (await commands.call(
      'XAUTOCLAIM',
      source.key,
      group,
      consumer,
      claimIdleMs,
      start,
      'COUNT',
      slots,
    )) as [string, unknown, string[] | undefined];
    this.cursors.set(source.key, reply[0]);
    const gone = reply[2] ?? [];
    if (gone.length > 0) {
      counters.lostToTrim += gone.length;
      logger.warn(
        `${gone.length} pending entries of ${source.key} were no longer in the stream (trimmed or deleted ` +
          `before group ${group} acknowledged them); Redis dropped them from the pending list`,
      );
    }
    const entries = toEntries(reply[1]).filter((entry) => !inHand.has(source.key, entry.id));
    if (entries.length === 0) return;
    counters.claimed += entries.length;
    logger.log(
      `Claimed ${entries.length} entries of ${source.key} idle over ${claimIdleMs} ms (group ${group})`,
    );
    const counts = await this.deliveryCounts(source.key, entries);
    const poison = entries.filter((entry) => (counts.get(entry.id) ?? 0) > this.context.maxDeliveries);
    for (const entry of poison) await this.deadLetter(source, entry, counts.get(entry.id) ?? 0);
    await this.context.dispatcher.dispatch(
      source,
      entries.filter((entry) => !poison.includes(entry)),
    );
  }

  /** Delivery counts of `entries` (now this consumer's), from the extended XPENDING. */
  private async deliveryCounts(key: string, entries: readonly RawEntry[]): Promise<Map<string, number>> {
    const { commands, group, consumer, inHand } = this.context;
    const rows = (await commands.xpending(
      key,
      group,
      entries[0].id,
      entries[entries.length - 1].id,
      entries.length + inHand.count,
      consumer,
    )) as [string, string, number, number][];
    return new Map(rows.map((row) => [row[0], Number(row[3])]));
  }

  private async deadLetter(source: Source, raw: RawEntry, deliveries: number): Promise<void> {
    const { logger, settler } = this.context;
    const fields = readEntry(raw);
    let event;
    try {
      if (fields === undefined) throw new Error('the entry has no event fields');
      event = decodeEvent({ 'event-type': fields.type }, fields.body);
    } catch (error) {
      return settler.undecodable(source, raw.id, raw.fields, errorMessage(error));
    }
    const letter = await settler.poison({ source, id: raw.id, fields, event }, deliveries);
    logger.warn(
      `Entry ${raw.id} of ${source.key} (${fields.type}) was delivered ${deliveries} times without ` +
        `settling: dead letter ${letter.id}, not run again`,
    );
  }
}
