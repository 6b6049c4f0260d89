import type { ChainableCommander } from 'ioredis';
import { execBatch } from './redis.batch';
import type { RedisClient } from './redis.connections';
import type { TransportCounters } from './transport.counters';

interface Pending {
  readonly ids: string[];
  /** Retry streams are read by one group only: their entries are deleted once acknowledged. */
  readonly remove: boolean;
}

/**
 * Acknowledges entries in batches: every ack asked for within one tick goes out in one pipeline, one XACK per
 * stream. The happy path of a delivery costs no round trip of its own.
 */
export class StreamAcker {
  private pending = new Map<string, Pending>();
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly commands: RedisClient,
    private readonly group: string,
    private readonly counters: TransportCounters,
  ) {}

  /** Acknowledges `id` of `source` (and deletes it when `remove`); resolves once Redis has done it. */
  ack(source: string, id: string, remove: boolean): Promise<void> {
    let batch = this.pending.get(source);
    if (batch === undefined) this.pending.set(source, (batch = { ids: [], remove }));
    batch.ids.push(id);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private async flush(): Promise<void> {
    const batches = this.pending;
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    this.scheduled = false;
    let count = 0;
    const items = [...batches].map(([source, batch]) => {
      count += batch.ids.length;
      return {
        key: source,
        add: (pipeline: ChainableCommander) => {
          pipeline.xack(source, this.group, ...batch.ids);
          if (batch.remove) pipeline.xdel(source, ...batch.ids);
        },
      };
    });
    try {
      const results = (await execBatch(this.commands, items)).flat();
      const failed = results.find(([error]) => error !== null);
      if (failed) throw failed[0];
      this.counters.acked += count;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
