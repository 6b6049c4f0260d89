import type { LoggerService } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import type { EntryDispatcher } from './entry.dispatcher';
import type { InHandEntries } from './in-hand';
import type { RedisClient } from './redis.connections';
import { toStreamEntries } from './stream.entry';
import type { Source } from './stream.settler';

/** What a reader reads with and hands entries to. */
export interface ReaderContext {
  /** The reader's own connection: a blocking read holds it. */
  readonly reader: RedisClient;
  readonly group: string;
  readonly consumer: string;
  /** The streams this reader reads in one XREADGROUP (on Redis Cluster, the streams of one hash tag). */
  readonly sources: readonly Source[];
  readonly inHand: InHandEntries;
  readonly dispatcher: EntryDispatcher;
  readonly blockMs: number;
  /** Whether other readers share `inHand` (then a reader asks for what it recently got, not every free slot). */
  readonly shared: boolean;
  readonly logger: LoggerService;
  /** Creates the group again where it vanished (a stream deleted, or Redis restarted empty). */
  readonly recreateGroups: () => Promise<void>;
}

/** A pause between failed reads, so a broken Redis is not hammered. */
const RETRY_PAUSE_MS = 250;

/**
 * A blocking read loop: XREADGROUP on its streams (events and retries), asking for no more entries than there
 * are free slots, and reading only once every stream can get one (a read that could ask only some of them would
 * block on an empty one while another has entries waiting). Its slots are reserved while the read waits, so
 * readers that share the slots never hold more than the capacity between them. An error never stops it: it
 * logs once, pauses and reads again.
 */
export class StreamReader {
  private stopping = false;
  private loop: Promise<void> | undefined;
  /**
   * What a shared reader asks for next: twice the last ask when a stream filled it (a backlog), else the minimum,
   * so that an idle stream holds few of the slots it shares while it waits.
   */
  private nextAsk = 0;

  constructor(private readonly context: ReaderContext) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading: resolves after the read in progress returned (at most one BLOCK). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.context.inHand.interrupt();
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
    // One entry per stream at least; a capacity below that reads with COUNT 1 when nothing else is held.
    const need = Math.min(sources.length, inHand.capacity);
    let failing = false;
    while (!this.stopping) {
      if (!(await inHand.turn(need))) continue;
      if (this.stopping) {
        inHand.release(need);
        break;
      }
      const slots = need + inHand.extend(this.more(need));
      try {
        failing = await this.readOnce(slots, failing);
      } finally {
        inHand.release(slots);
      }
    }
  }

  /** Slots to ask for beyond `need`: every free one alone; shared with other readers, `nextAsk`. */
  private more(need: number): number {
    return this.context.shared ? Math.max(0, this.nextAsk - need) : Number.MAX_SAFE_INTEGER;
  }

  /** Reads and dispatches up to `slots` entries; returns whether reads are failing now. */
  private async readOnce(slots: number, failing: boolean): Promise<boolean> {
    const { sources } = this.context;
    const count = Math.max(1, Math.floor(slots / sources.length));
    let reply: unknown;
    try {
      reply = await this.read(count);
    } catch (error) {
      return this.stopping ? failing : this.recover(error, failing);
    }
    if (failing) this.context.logger.log(`Reading from Redis resumed (group ${this.context.group})`);
    const byKey = toStreamEntries(reply);
    let full = false;
    for (const source of sources) {
      const entries = byKey.get(source.key);
      if (entries === undefined || entries.length === 0) continue;
      full ||= entries.length >= count;
      await this.dispatch(source, entries);
    }
    this.nextAsk = full ? Math.min(2 * slots, this.context.inHand.capacity) : 0;
    return false;
  }

  private read(count: number): Promise<unknown> {
    const { reader, group, consumer, blockMs, sources } = this.context;
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
}
