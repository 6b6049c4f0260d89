import type { LoggerService } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type { ConsumeOptions, DeliverInbound } from '../bus/ports/event-transport.port';
import { errorMessage } from '../common/error-message';
import { EntryDispatcher } from './entry.dispatcher';
import { InHandEntries } from './in-hand';
import { Periodic } from './periodic';
import { execBatch } from './redis.batch';
import type { RedisClient, RedisConnections } from './redis.connections';
import { streamKeys, streamNames, type StreamKeys } from './redis.keys';
import type { StreamScripts } from './redis.scripts';
import type { RedisDeadLetterStore } from './redis-dead-letter.store';
import type { ResolvedRedisStreamsOptions } from './redis-streams.options';
import { RetryMover } from './retry.mover';
import { StreamAcker } from './stream.acker';
import { StreamClaimer } from './stream.claimer';
import { StreamReader } from './stream.reader';
import { StreamSettler, type Source } from './stream.settler';
import { StreamTrimmer } from './stream.trimmer';
import type { TransportCounters } from './transport.counters';

/** How often due retries are looked for. */
const MOVE_INTERVAL_MS = 100;

/** Everything a consumer is made from. */
export interface ConsumerSetup {
  readonly connections: RedisConnections;
  /** The blocking readers' connections: one (every stream in one read), or one per stream (Redis Cluster). */
  readonly readers: readonly RedisClient[];
  readonly scripts: StreamScripts;
  readonly options: ResolvedRedisStreamsOptions;
  readonly group: string;
  readonly consumer: string;
  readonly counters: TransportCounters;
  readonly deadLetters: RedisDeadLetterStore;
  readonly logger: LoggerService;
}

/**
 * One process's membership of its service's group: the groups created, the reader, the claim loop with its
 * heartbeat, the retry mover, the trimmer and the dead-letter mirror running, and the way to stop them all.
 */
export class StreamConsumer {
  readonly keys: readonly StreamKeys[];
  readonly inHand: InHandEntries;
  private readonly sources: readonly Source[];
  private readonly readers: readonly StreamReader[];
  private readonly claimer: StreamClaimer;
  private readonly tasks: Periodic[];
  private readonly heartbeat: Periodic;
  private readonly settler: StreamSettler;

  constructor(
    private readonly setup: ConsumerSetup,
    deliver: DeliverInbound,
    consume: ConsumeOptions,
  ) {
    const { connections, scripts, options, group, consumer, counters, deadLetters, logger } = setup;
    const { commands } = connections;
    this.keys = streamNames(options).map((name) => streamKeys(options.prefix, name, group));
    this.sources = this.keys.flatMap((keys) => [
      { key: keys.stream, keys, retry: false },
      { key: keys.retries, keys, retry: true },
    ]);
    this.inHand = new InHandEntries(options.maxInFlight);
    const acker = new StreamAcker(commands, group, counters);
    const settler = (this.settler = new StreamSettler({
      commands,
      scripts,
      acker,
      group,
      options,
      counters,
      deadLetters,
    }));
    const dispatcher = new EntryDispatcher({
      deliver,
      accepts: consume.accepts,
      settler,
      acker,
      inHand: this.inHand,
      counters,
      commands,
      ordered: options.partitions > 1,
      dedupe: options.dedupe !== false,
      logger,
    });
    const base = { group, consumer, sources: this.sources, inHand: this.inHand, dispatcher, logger };
    this.readers = readerGroups(this.sources, setup.readers.length).map(
      (sources, i) =>
        new StreamReader({
          ...base,
          sources,
          reader: setup.readers[i],
          blockMs: options.blockMs,
          shared: setup.readers.length > 1,
          recreateGroups: () => this.createGroups('0'),
        }),
    );
    this.claimer = new StreamClaimer({
      ...base,
      commands,
      settler,
      counters,
      claimIdleMs: options.claimIdleMs,
      maxDeliveries: options.maxDeliveries,
    });
    this.heartbeat = new Periodic(
      'Heartbeat',
      Math.max(Math.floor(options.claimIdleMs / 3), 5),
      () => this.claimer.heartbeat(),
      logger,
    );
    const mover = new RetryMover(commands, scripts, this.keys);
    const trimmer = new StreamTrimmer(
      commands,
      scripts,
      this.keys,
      consumer,
      options.retention,
      counters,
      logger,
    );
    const sweepIdleMs = Math.max(10 * options.claimIdleMs, 1_000);
    let lastSweep = Date.now();
    this.tasks = [
      new Periodic(
        'Claiming idle entries',
        options.claimIntervalMs,
        async () => {
          await this.claimer.claim();
          if (Date.now() - lastSweep < sweepIdleMs) return;
          lastSweep = Date.now();
          await this.claimer.sweep(sweepIdleMs);
        },
        logger,
      ),
      new Periodic('Moving due retries', MOVE_INTERVAL_MS, async () => void (await mover.move()), logger),
      new Periodic('Trimming', options.retention.intervalMs, () => trimmer.trim(), logger),
    ];
  }

  /** Creates the groups (new ones start at the streams' ends), then starts reading and the loops. */
  async start(): Promise<void> {
    await this.createGroups('$');
    const { deadLetters, options, connections } = this.setup;
    const streams = this.keys.map((keys) => ({ name: keys.name, key: keys.deadLetters }));
    await deadLetters.attach(connections.commands, streams, Math.min(options.claimIntervalMs, 5_000));
    this.warnIfReadersWait();
    for (const reader of this.readers) reader.start();
    this.heartbeat.start();
    for (const task of this.tasks) task.start();
  }

  /**
   * Stops reading (after at most one BLOCK) and the loops, waits up to shutdownTimeoutMs for the deliveries in
   * hand, hands back those that did not finish, and leaves the group when it holds nothing.
   */
  async stop(): Promise<void> {
    const { options, logger } = this.setup;
    await Promise.all(this.readers.map((reader) => reader.stop()));
    await Promise.all(this.tasks.map((task) => task.stop()));
    this.setup.deadLetters.detach();
    const finished = await this.inHand.whenEmpty(options.shutdownTimeoutMs);
    await this.heartbeat.stop();
    // What settles from now on was handed back: a peer runs it again, so it is not acknowledged here.
    this.settler.close();
    try {
      if (!finished) await this.claimer.handBack();
      await this.claimer.leave();
    } catch (error) {
      logger.warn(
        `Leaving group ${this.setup.group} failed (${errorMessage(error)}); peers claim what is left`,
      );
    }
  }

  /** With one reader per stream, each needs a slot per stream it reads; fewer slots make the streams take turns. */
  private warnIfReadersWait(): void {
    const { maxInFlight } = this.setup.options;
    const needed = 2 * this.keys.length;
    if (this.readers.length === 1 || maxInFlight >= needed) return;
    this.setup.logger.warn(
      `maxInFlight ${maxInFlight} is below two slots per stream (${this.keys.length} streams, one reader each on ` +
        `Redis Cluster): the streams take turns to read, and an event may wait up to blockMs per turn. ` +
        `Set maxInFlight to ${needed} or more.`,
    );
  }

  /** Entries the group has not read yet, per channel (XINFO GROUPS `lag`; unknown counts as 0). */
  async lag(): Promise<Record<string, number>> {
    const { commands } = this.setup.connections;
    const items = this.keys.map((keys) => ({
      key: keys.stream,
      add: (pipeline: ChainableCommander) => pipeline.xinfo('GROUPS', keys.stream),
    }));
    const results = await execBatch(commands, items);
    const lag: Record<string, number> = {};
    this.keys.forEach((keys, i) => {
      const [error, groups] = results[i][0] ?? [null, []];
      const row = error ? undefined : (groups as unknown[][]).find((g) => g[1] === this.setup.group);
      const value = row === undefined ? 0 : Number(row[row.indexOf('lag') + 1]) || 0;
      lag[keys.channel] = (lag[keys.channel] ?? 0) + value;
    });
    return lag;
  }

  /** Creates the group on every stream it reads; `start` is where a group new on an event stream begins. */
  private async createGroups(start: '$' | '0'): Promise<void> {
    const { commands } = this.setup.connections;
    const group = this.setup.group;
    const items = this.keys.map((keys) => ({
      key: keys.stream,
      add: (pipeline: ChainableCommander) => {
        pipeline.xgroup('CREATE', keys.stream, group, start, 'MKSTREAM');
        pipeline.xgroup('CREATE', keys.retries, group, '0', 'MKSTREAM');
      },
    }));
    const results = (await execBatch(commands, items)).flat();
    const failed = results.find(
      ([error]) => error !== null && !String(error.message).startsWith('BUSYGROUP'),
    );
    if (failed) throw failed[0];
  }
}

/**
 * The sources of each reader: all in one when there is one reader; else those of one stream each (its events and
 * its retries share a hash tag, so Redis Cluster takes them in one read).
 */
function readerGroups(sources: readonly Source[], readers: number): Source[][] {
  if (readers === 1) return [[...sources]];
  const byStream = new Map<string, Source[]>();
  for (const source of sources) {
    const group = byStream.get(source.keys.stream) ?? [];
    group.push(source);
    byStream.set(source.keys.stream, group);
  }
  return [...byStream.values()];
}
