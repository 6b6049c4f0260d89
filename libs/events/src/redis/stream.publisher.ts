import type { LoggerService } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type { BusEvent } from '../event/bus-event.interface';
import { encodeEvent, type EventTraceContext } from '../event/event.codec';
import { execBatch, type BatchResult } from './redis.batch';
import type { RedisClient } from './redis.connections';
import { PublishDroppedError } from './redis.errors';
import { streamKey, type StreamRouter } from './redis.keys';
import { eventFields } from './stream.entry';
import type { TransportCounters } from './transport.counters';

/** One `publish()` call waiting to be sent. */
interface PendingCall {
  readonly entries: readonly { readonly key: string; readonly fields: string[] }[];
  readonly ids: readonly string[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Sends events with XADD: every `publish()` made within one tick goes out in one pipeline. While Redis is
 * unreachable, calls wait in a buffer bounded by `maxBuffered` events and go out when it returns; a call that
 * does not fit is dropped whole, counted and rejected with `PublishDroppedError`.
 */
export class StreamPublisher {
  private queue: PendingCall[] = [];
  private buffered = 0;
  private scheduled = false;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly commands: RedisClient,
    private readonly router: StreamRouter,
    private readonly prefix: string,
    private readonly maxBuffered: number,
    private readonly counters: TransportCounters,
    private readonly logger: LoggerService,
  ) {
    commands.on('ready', () => this.schedule());
  }

  /** Events waiting for Redis. */
  get waiting(): number {
    return this.buffered;
  }

  publish(events: readonly BusEvent[], traces?: readonly (EventTraceContext | undefined)[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    let entries: PendingCall['entries'];
    try {
      entries = events.map((event, i) => ({
        key: streamKey(this.prefix, this.router.route(event)),
        fields: eventFields(event.type, encodeEvent(event, traces?.[i]).body, traces?.[i]),
      }));
    } catch (error) {
      return Promise.reject(error);
    }
    const online = this.commands.status === 'ready';
    if (!online && this.buffered + events.length > this.maxBuffered) {
      return Promise.reject(
        this.drop(
          events.map((event) => event.id),
          'buffer-full',
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entries, ids: events.map((event) => event.id), resolve, reject });
      this.buffered += entries.length;
      if (online) this.schedule();
    });
  }

  /** Sends what is buffered when Redis answers; else drops it (each call rejected). */
  async close(): Promise<void> {
    if (this.commands.status === 'ready') this.flush();
    await Promise.allSettled([...this.sending]);
    const calls = this.queue;
    this.queue = [];
    this.buffered = 0;
    for (const call of calls) call.reject(this.drop(call.ids, 'closed'));
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    process.nextTick(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.queue.length === 0 || this.commands.status !== 'ready') return;
    const calls = this.queue;
    this.queue = [];
    this.buffered = 0;
    const sent = this.send(calls).finally(() => this.sending.delete(sent));
    this.sending.add(sent);
  }

  private async send(calls: readonly PendingCall[]): Promise<void> {
    const items = calls.flatMap((call) =>
      call.entries.map((entry) => ({
        key: entry.key,
        add: (pipeline: ChainableCommander) => pipeline.xadd(entry.key, '*', ...entry.fields),
      })),
    );
    let results: BatchResult[][];
    try {
      results = await execBatch(this.commands, items);
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    let at = 0;
    for (const call of calls) {
      const slice = results.slice(at, (at += call.entries.length)).flat();
      const failed = slice.find(([error]) => error !== null);
      if (failed) call.reject(failed[0]);
      else {
        this.counters.published += call.entries.length;
        call.resolve();
      }
    }
  }

  private drop(ids: readonly string[], reason: 'buffer-full' | 'closed'): PublishDroppedError {
    this.counters.dropped += ids.length;
    const error = new PublishDroppedError(ids.length, reason, ids);
    this.logger.error(error.message);
    return error;
  }
}
