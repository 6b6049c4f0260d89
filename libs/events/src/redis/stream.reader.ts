import type { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { errorMessage } from '../common/error-message';
import type { EntryDispatcher } from './entry.dispatcher';
import type { InHandEntries } from './in-hand';
import { toStreamEntries } from './stream.entry';
import type { Source } from './stream.settler';

/** What the reader reads with and hands entries to. */
export interface ReaderContext {
  readonly reader: Redis;
  readonly group: string;
  readonly consumer: string;
  readonly sources: readonly Source[];
  readonly inHand: InHandEntries;
  readonly dispatcher: EntryDispatcher;
  readonly blockMs: number;
  readonly logger: LoggerService;
  /** Creates the group again where it vanished (a stream deleted, or Redis restarted empty). */
  readonly recreateGroups: () => Promise<void>;
}

/** A pause between failed reads, so a broken Redis is not hammered. */
const RETRY_PAUSE_MS = 250;

/**
 * The one blocking read of this process: XREADGROUP on every stream it consumes (events and retries), asking
 * for no more entries than it has room for. An error never stops it: it logs once, pauses and reads again.
 */
export class StreamReader {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private next = 0;

  constructor(private readonly context: ReaderContext) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading: resolves after the read in progress returned (at most one BLOCK). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.context.inHand.wake();
    const stopped = await Promise.race([
      this.loop?.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), this.context.blockMs + 1_000).unref()),
    ]);
    // A read that outlives its BLOCK waits for a Redis that is gone: dropping the connection ends it.
    if (stopped === false) this.context.reader.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { inHand, sources } = this.context;
    // A read that names only some streams blocks through entries arriving on the others (a retry stream is
    // usually empty): wait for a slot per stream, so that every read names them all.
    const room = Math.min(sources.length, inHand.capacity);
    let failing = false;
    while (!this.stopping) {
      await inHand.whenFree(room);
      if (this.stopping) break;
      if (inHand.free >= room) failing = await this.readOnce(inHand.free, failing);
    }
  }

  /** Reads and dispatches up to `slots` entries; returns whether reads are failing now. */
  private async readOnce(slots: number, failing: boolean): Promise<boolean> {
    if (slots === 0) return failing;
    const { sources, count } = this.pick(slots);
    let reply: unknown;
    try {
      reply = await this.read(sources, count);
    } catch (error) {
      return this.stopping ? failing : this.recover(error, failing);
    }
    if (failing) this.context.logger.log(`Reading from Redis resumed (group ${this.context.group})`);
    const byKey = toStreamEntries(reply);
    for (const source of sources) {
      const entries = byKey.get(source.key);
      if (entries !== undefined && entries.length > 0) await this.dispatch(source, entries);
    }
    return false;
  }

  private read(sources: readonly Source[], count: number): Promise<unknown> {
    const { reader, group, consumer, blockMs } = this.context;
    const keys = sources.map((source) => source.key);
    return reader.call(
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      ...keys,
      ...keys.map(() => '>'),
    );
  }

  private async dispatch(source: Source, entries: Parameters<EntryDispatcher['dispatch']>[1]): Promise<void> {
    try {
      await this.context.dispatcher.dispatch(source, entries);
    } catch (error) {
      // The entries stay pending; the claim loop delivers them again after claimIdleMs.
      this.context.logger.error(`Could not dispatch entries of ${source.key}: ${errorMessage(error)}`);
    }
  }

  /** Handles a failed read; returns whether reads are failing now. */
  private async recover(error: unknown, failing: boolean): Promise<boolean> {
    const message = errorMessage(error);
    if (message.startsWith('NOGROUP')) {
      this.context.logger.warn(
        `Consumer group ${this.context.group} is gone (${message}); creating it again`,
      );
      await this.context.recreateGroups().catch(() => undefined);
      return failing;
    }
    if (!failing) this.context.logger.warn(`Reading from Redis failed (${message}); retrying`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    return true;
  }

  /**
   * The sources to read now and the COUNT for each. XREADGROUP applies COUNT per stream, so with fewer free
   * slots than streams only some streams are read, in turn, and COUNT x streams never exceeds the free slots.
   */
  private pick(free: number): { sources: readonly Source[]; count: number } {
    const all = this.context.sources;
    const take = Math.min(free, all.length);
    const sources: Source[] = [];
    for (let i = 0; i < take; i++) sources.push(all[(this.next + i) % all.length]);
    this.next = (this.next + take) % all.length;
    return { sources, count: Math.floor(free / take) };
  }
}
