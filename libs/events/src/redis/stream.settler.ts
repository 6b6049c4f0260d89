import type { DeadLetter, HandlerFailure } from '../bus/bus.interfaces';
import type { InboundDelivery, SettleReport } from '../bus/ports/event-transport.port';
import { backoffDelay, type Backoff } from '../common/backoff';
import type { BusEvent } from '../event/bus-event.interface';
import type { RedisClient } from './redis.connections';
import type { StreamKeys } from './redis.keys';
import type { StreamScripts } from './redis.scripts';
import type { RedisDeadLetterStore } from './redis-dead-letter.store';
import type { ResolvedRedisStreamsOptions } from './redis-streams.options';
import type { StreamAcker } from './stream.acker';
import { retryMember, type EntryFields } from './stream.entry';
import type { TransportCounters } from './transport.counters';

/** A stream this process reads: an event stream or a retry stream, with the keys of its channel. */
export interface Source {
  /** The stream's key. */
  readonly key: string;
  readonly keys: StreamKeys;
  /** True for a retry stream (entries deleted once acknowledged, not ordered). */
  readonly retry: boolean;
}

/** The handler name of dead letters that no single handler caused (poison entries, undecodable entries). */
export const EVERY_HANDLER = '*';

const NOTHING: SettleReport = Object.freeze({ retried: [], deadLettered: [] });

/** What settling needs: Redis, the policies and where the counts go. */
export interface SettlerContext {
  readonly commands: RedisClient;
  readonly scripts: StreamScripts;
  readonly acker: StreamAcker;
  readonly group: string;
  readonly options: ResolvedRedisStreamsOptions;
  readonly counters: TransportCounters;
  readonly deadLetters: RedisDeadLetterStore;
}

/** One entry read from a source, decoded. */
export interface ReadEntry {
  readonly source: Source;
  readonly id: string;
  readonly fields: EntryFields;
  readonly event: BusEvent;
}

/**
 * Turns entries into `InboundDelivery`s and settles them: a plain batched XACK when every handler succeeded,
 * else one script that schedules the durable retry, writes the dead letters and acknowledges, atomically.
 */
export class StreamSettler {
  private readonly backoff: Backoff;
  private closed = false;

  constructor(private readonly context: SettlerContext) {
    const { delayMs, factor, maxDelayMs } = context.options.redelivery;
    this.backoff = { baseMs: delayMs, factor, maxMs: maxDelayMs, jitter: 0 };
  }

  /** Settles nothing from now on (the consumer stopped and handed back what was in hand). */
  close(): void {
    this.closed = true;
  }

  /** The delivery of `entry`, settled through this settler. */
  delivery(entry: ReadEntry, done: ReadonlySet<string> | undefined): InboundDelivery {
    let settled: Promise<SettleReport> | undefined;
    const handlers = entry.fields.tries ? Object.keys(entry.fields.tries) : undefined;
    const dedupe = this.context.options.dedupe;
    return {
      event: entry.event,
      attempt: entry.fields.attempt,
      ...(entry.fields.trace ? { trace: entry.fields.trace } : {}),
      ...(handlers ? { handlers } : {}),
      ...(done ? { done } : {}),
      ...(dedupe ? { markDone: (handler: string) => this.markDone(entry, handler, dedupe.windowMs) } : {}),
      settle: (failures) => (settled ??= this.settle(entry, failures)),
    };
  }

  /** Settles `entry` with the handlers that failed after their in-process retries. */
  async settle(entry: ReadEntry, failures: readonly HandlerFailure[]): Promise<SettleReport> {
    const { acker, counters } = this.context;
    if (this.closed) return NOTHING;
    if (failures.length === 0) {
      await acker.ack(entry.source.key, entry.id, entry.source.retry);
      return NOTHING;
    }
    const { attempts } = this.context.options.redelivery;
    const tries: Record<string, number> = {};
    const retried: SettleReport['retried'][number][] = [];
    const letters: Omit<DeadLetter, 'id'>[] = [];
    const delayMs = backoffDelay(this.backoff, entry.fields.attempt);
    const failedAt = new Date().toISOString();
    for (const failure of failures) {
      const total = (entry.fields.tries?.[failure.handler] ?? 0) + failure.attempts;
      if (entry.fields.attempt < attempts) {
        tries[failure.handler] = total;
        retried.push({ handler: failure.handler, attempt: entry.fields.attempt + 1, delayMs });
      } else {
        const error = {
          name: failure.error.name,
          message: failure.error.message,
          stack: failure.error.stack,
        };
        letters.push({ event: entry.event, handler: failure.handler, error, attempts: total, failedAt });
      }
    }
    const member =
      retried.length === 0 ? '' : retryMember(entry.fields, entry.fields.attempt + 1, tries, originOf(entry));
    const deadLettered = await this.write(entry, letters, member, delayMs);
    counters.retried += retried.length;
    return { retried, deadLettered };
  }

  /**
   * Sends `entry` to the dead letters without running it: delivered `deliveries` times, it never settled (a
   * handler that kills its process, or hangs past every claim).
   */
  async poison(entry: ReadEntry, deliveries: number): Promise<DeadLetter> {
    const error = {
      name: 'MaxDeliveriesExceeded',
      message: `delivered ${deliveries} times without being settled (maxDeliveries ${this.context.options.maxDeliveries})`,
    };
    const letter = {
      event: entry.event,
      handler: EVERY_HANDLER,
      error,
      attempts: deliveries,
      failedAt: new Date().toISOString(),
    };
    const [written] = await this.write(entry, [letter], '', 0);
    return written;
  }

  /** Keeps an entry that cannot be read as an event in the dead-letter stream as it was, and acknowledges it. */
  async undecodable(
    source: Source,
    id: string,
    fields: readonly string[] | null,
    reason: string,
  ): Promise<void> {
    const letter = [
      'handler',
      EVERY_HANDLER,
      'error',
      JSON.stringify({ name: 'UndecodableEntry', message: reason }),
    ];
    letter.push(
      'failedAt',
      new Date().toISOString(),
      'origin',
      `${source.keys.name}/${id}`,
      ...(fields ?? []),
    );
    await this.context.scripts.settle(
      [source.key, source.keys.schedule, source.keys.deadLetters],
      [this.context.group, id, source.retry ? '1' : '0', 0, '', 1, letter.length, ...letter],
    );
    this.context.counters.deadLettered++;
    this.context.counters.acked++;
  }

  private async write(
    entry: ReadEntry,
    letters: readonly Omit<DeadLetter, 'id'>[],
    member: string,
    delayMs: number,
  ): Promise<DeadLetter[]> {
    const { scripts, group, counters, deadLetters } = this.context;
    const args: (string | number)[] = [group, entry.id, entry.source.retry ? '1' : '0', delayMs, member];
    args.push(letters.length);
    for (const letter of letters) {
      const fields = [
        'handler',
        letter.handler,
        'type',
        entry.fields.type,
        'body',
        entry.fields.body,
        'error',
        JSON.stringify(letter.error),
        'attempts',
        String(letter.attempts),
        'failedAt',
        letter.failedAt,
        'origin',
        originOf(entry),
      ];
      args.push(fields.length, ...fields);
    }
    const { source } = entry;
    const ids = await scripts.settle([source.key, source.keys.schedule, source.keys.deadLetters], args);
    counters.acked++;
    counters.deadLettered += ids.length;
    return letters.map((letter, i) => {
      const written: DeadLetter = { id: `${source.keys.name}/${ids[i]}`, ...letter };
      deadLetters.keep(written);
      return written;
    });
  }

  private async markDone(entry: ReadEntry, handler: string, windowMs: number): Promise<void> {
    const key = entry.source.keys.done(entry.event.id);
    await this.context.commands.pipeline().sadd(key, handler).pexpire(key, windowMs).exec();
  }
}

/** `<stream>/<id>` of the event's first entry. */
function originOf(entry: ReadEntry): string {
  return entry.fields.origin ?? `${entry.source.keys.name}/${entry.id}`;
}
