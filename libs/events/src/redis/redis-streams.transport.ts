import { Logger, type LoggerService } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type {
  ConsumeOptions,
  DeliverInbound,
  EventTransport,
  TransportHealth,
  TransportReplayQuery,
  TransportDescription,
  TransportStats,
} from '../bus/ports/event-transport.port';
import { withTimeout } from '../common/with-timeout';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventTraceContext } from '../event/event.codec';
import { describeRedisStreams } from './redis-description';
import { RedisTransportError } from './redis.errors';
import { RedisDeadLetterStore } from './redis-dead-letter.store';
import {
  checkGroupName,
  resolveRedisStreamsOptions,
  type RedisStreamsTransportOptions,
  type ResolvedRedisStreamsOptions,
} from './redis-streams.options';
import {
  closeConnections,
  openConnections,
  openReaders,
  readersStatus,
  warnIfNotDurable,
  type ConnectionSettings,
  type RedisConnections,
} from './redis.connections';
import { streamKey, streamNames, StreamRouter } from './redis.keys';
import { defineScripts, type StreamScripts } from './redis.scripts';
import { StreamConsumer } from './stream.consumer';
import { StreamPublisher } from './stream.publisher';
import { replayStreams } from './stream.replayer';
import { TransportCounters } from './transport.counters';

/** What `close()` allows beyond shutdownTimeoutMs and one BLOCK for handing back, leaving and flushing. */
const CLOSE_GRACE_MS = 3_000;

/** What exists once Redis answered. */
interface Connected {
  readonly connections: RedisConnections;
  readonly scripts: StreamScripts;
  readonly publisher: StreamPublisher;
}

/**
 * The Redis Streams `EventTransport`: at-least-once delivery of distributed events to every service's group,
 * shared by the instances of a service, with durable delayed retries, dead letters, crash recovery by claim,
 * backpressure and trimming that never drops an unacknowledged entry. Works on Redis 7.0 and newer.
 * See docs/transport.md for the options, the Redis layout and the guarantees.
 */
export class RedisStreamsTransport implements EventTransport {
  readonly name = 'redis-streams';
  readonly remote = true;
  readonly messagingSystem = 'redis';
  /** The service's dead letters, mirrored from Redis (every instance's). */
  readonly deadLetters: RedisDeadLetterStore;
  /** This process's consumer name in its group: `host:pid:random`, never reused. */
  readonly consumerName = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly options: ResolvedRedisStreamsOptions;
  private readonly logger: LoggerService;
  private readonly counters = new TransportCounters();
  private readonly router: StreamRouter;
  private connecting: Promise<Connected> | undefined;
  /** Set once Redis answered: what `health()` and `stats()` read without waiting. */
  private connected: Connected | undefined;
  private consumer: StreamConsumer | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RedisStreamsTransportOptions = {}) {
    this.options = resolveRedisStreamsOptions(options);
    this.logger = options.logger ?? new Logger(RedisStreamsTransport.name);
    this.router = new StreamRouter(this.options);
    this.deadLetters = new RedisDeadLetterStore(this.logger);
  }

  async publish(
    events: readonly BusEvent[],
    traces?: readonly (EventTraceContext | undefined)[],
  ): Promise<void> {
    const { publisher } = await this.connect();
    return publisher.publish(events, traces);
  }

  async consume(deliver: DeliverInbound, options: ConsumeOptions): Promise<void> {
    if (this.consumer !== undefined) throw new RedisTransportError('RedisStreamsTransport consumes once');
    const connected = await this.connect();
    const { connections } = connected;
    // One reader per stream on a Cluster (it refuses a read over several slots), else one for every stream.
    const count = connections.cluster ? streamNames(this.options).length : 1;
    const readers =
      connections.readers.length > 0
        ? connections.readers
        : await openReaders(connections, count, this.connectionSettings());
    const consumer = new StreamConsumer(
      {
        ...connected,
        readers,
        options: this.options,
        group: this.options.group ?? checkGroupName(options.group),
        consumer: this.consumerName,
        counters: this.counters,
        deadLetters: this.deadLetters,
        logger: this.logger,
      },
      deliver,
      options,
    );
    this.consumer = consumer;
    try {
      await consumer.start();
    } catch (error) {
      this.consumer = undefined;
      throw error;
    }
  }

  async replay(query: TransportReplayQuery, deliver: DeliverInbound): Promise<{ delivered: number }> {
    const { connections } = await this.connect();
    const keys = streamNames(this.options).map((name) => streamKey(this.options.prefix, name));
    return replayStreams(connections.commands, keys, query, deliver);
  }

  async stats(): Promise<TransportStats> {
    const lag = await this.lag();
    return {
      published: this.counters.published,
      consumed: this.counters.consumed,
      acked: this.counters.acked,
      retried: this.counters.retried,
      deadLettered: this.counters.deadLettered,
      claimed: this.counters.claimed,
      reconnects: this.counters.reconnects,
      dropped: this.counters.dropped,
      inFlight: this.consumer?.inHand.running ?? 0,
      lag,
    };
  }

  /** Its server, channels (stream keys, in routing order) and policies, for the AsyncAPI document. */
  describe(): TransportDescription {
    return describeRedisStreams(this.options);
  }

  /** The counters beyond `stats()`: entries trimmed by age, cut by the length cap, found gone when claimed. */
  retentionStats(): { trimmed: number; trimmedByCap: number; lostToTrim: number } {
    const { trimmed, trimmedByCap, lostToTrim } = this.counters;
    return { trimmed, trimmedByCap, lostToTrim };
  }

  async health(): Promise<TransportHealth> {
    const connected = this.connected;
    const commands = connected?.connections.commands.status ?? 'not connected';
    const reader = readersStatus(connected?.connections);
    const up =
      this.closing === undefined &&
      commands === 'ready' &&
      (this.consumer === undefined || reader === 'ready');
    return {
      up,
      details: {
        address: connected?.connections.address,
        consumer: this.consumerName,
        group: this.options.group,
        commands,
        reader,
        inFlight: this.consumer?.inHand.running ?? 0,
        held: this.consumer?.inHand.count ?? 0,
        buffered: connected?.publisher.waiting ?? 0,
        closed: this.closing !== undefined,
      },
    };
  }

  /**
   * Stops reading, finishes the deliveries in hand within shutdownTimeoutMs, hands back the rest, leaves the
   * group, sends what the publisher still holds if Redis answers, and closes both connections.
   */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    const connected = await this.connecting?.catch(() => undefined);
    if (connected === undefined) return;
    const { shutdownTimeoutMs, blockMs } = this.options;
    const graceful = (async () => {
      await this.consumer?.stop();
      await connected.publisher.close();
    })();
    // With Redis gone, commands wait for it forever: past the budget, closing the connections fails them.
    const budget = shutdownTimeoutMs + blockMs + CLOSE_GRACE_MS;
    const timedOut = await withTimeout(graceful, budget, () => new Error('timeout')).then(
      () => false,
      () => true,
    );
    if (timedOut)
      this.logger.warn(`close() took over ${budget} ms (Redis unreachable?); closing the connections`);
    await closeConnections(connected.connections);
    await connected.publisher.close();
  }

  private connect(): Promise<Connected> {
    if (this.closing !== undefined) {
      return Promise.reject(new RedisTransportError('RedisStreamsTransport is closed'));
    }
    const connecting = (this.connecting ??= this.open());
    // A failed start is not remembered: the next call tries again.
    connecting.catch(() => {
      if (this.connecting === connecting) this.connecting = undefined;
    });
    return connecting;
  }

  private async open(): Promise<Connected> {
    const { prefix, publishBufferMax } = this.options;
    const connections = await openConnections(this.connectionSettings());
    await warnIfNotDurable(connections.commands, connections.address, this.logger);
    const scripts = defineScripts(connections.commands);
    const publisher = new StreamPublisher(
      connections.commands,
      this.router,
      prefix,
      publishBufferMax,
      this.counters,
      this.logger,
    );
    this.connected = { connections, scripts, publisher };
    return this.connected;
  }

  private connectionSettings(): ConnectionSettings {
    const { connection, connectTimeoutMs } = this.options;
    return { connection, timeoutMs: connectTimeoutMs, counters: this.counters, logger: this.logger };
  }

  private async lag(): Promise<Record<string, number>> {
    const consumer = this.consumer;
    if (consumer === undefined || this.connected?.connections.commands.status !== 'ready') return {};
    return consumer.lag().catch(() => ({}));
  }
}
