import type { LoggerService } from '@nestjs/common';
import type { EventPattern } from '../bus/bus.interfaces';
import type { BusEvent } from '../event/bus-event.interface';
import { explainPattern } from '../event/event-type';
import { EventsConfigError } from '../errors/events-config.error';
import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import {
  checkConnection,
  type RedisConnectionOption,
  type ResolvedConnection,
} from './redis-connection.options';

/** Sends the event types a pattern matches to a channel of their own (one stream per channel). */
export interface ChannelRoute {
  /** A type, a pattern with `*`/`**`, or a definition. The first route that matches wins. */
  pattern: EventPattern;
  /** The channel's name: letters, digits, `.`, `_` and `-`. */
  channel: string;
}

/** Durable retries of a handler that failed all its in-process attempts; then its dead letter. */
export interface RedeliveryPolicy {
  /** Deliveries of one event to one handler, the first included; default 5. */
  attempts?: number;
  /** Delay before the first durable retry; default 1000 ms. */
  delayMs?: number;
  /** Growth per retry; default 2. */
  factor?: number;
  /** Upper bound of one delay; default 60000 ms. */
  maxDelayMs?: number;
}

/** How long a stream keeps its entries. Never trims an entry that a group has not acknowledged. */
export interface RetentionPolicy {
  /** Entries older than this are trimmed once every group acknowledged them; default 24 h. */
  maxAgeMs?: number;
  /**
   * A safety valve: past this length the oldest entries are trimmed even when unacknowledged (each time
   * warned and counted in `trimmedUnacked`). Default none.
   */
  maxLength?: number;
  /** How often one instance (the one holding the trim lock) trims; default 30000 ms. */
  intervalMs?: number;
}

/** Options of `new RedisStreamsTransport()`; every one has a default. */
export interface RedisStreamsTransportOptions {
  /**
   * A `redis://` URL, ioredis options, or a Redis Cluster as `{ cluster: [{ host, port }...], options? }`; default
   * `process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'`.
   */
  connection?: RedisConnectionOption;
  /** The first part of every key; default `events`. */
  prefix?: string;
  /** The consumer group; default the module's `source` (instances of one service share it). */
  group?: string;
  /** Type pattern → channel routes; events no route matches go to the channel `main`. */
  channels?: readonly ChannelRoute[];
  /** Streams per channel, for per-key order; default 1. */
  partitions?: number;
  /** The key whose events keep their order (with `partitions`); default the correlation id. */
  partitionKey?: (event: BusEvent) => string;
  /** Entries handled at once by this process; default 32. */
  maxInFlight?: number;
  /** An entry unacknowledged this long is taken over by another instance; default 30000 ms. */
  claimIdleMs?: number;
  /** How often idle entries are looked for; default 5000 ms. */
  claimIntervalMs?: number;
  /** Deliveries after which an entry goes to the dead letters without running again; default 5. */
  maxDeliveries?: number;
  redelivery?: RedeliveryPolicy;
  retention?: RetentionPolicy;
  /** A Redis window in which a handler that succeeded on an event is not run on it again; default off. */
  dedupe?: false | { windowMs: number };
  /** Events held while Redis is unreachable, sent when it returns; default 10000. */
  publishBuffer?: { maxEvents?: number };
  /** How long one blocking read waits; default 2000 ms. */
  blockMs?: number;
  /** How long `close()` waits for deliveries in hand; default 10000 ms. */
  shutdownTimeoutMs?: number;
  /** How long the first connection may take before `consume()`/`publish()` fail; default 5000 ms. */
  connectTimeoutMs?: number;
  /** Where recovery actions are logged, one line each; default a Nest `Logger`. */
  logger?: LoggerService;
}

/** The options with their defaults, checked; `group` is filled in by `consume()`. */
export interface ResolvedRedisStreamsOptions {
  readonly connection: ResolvedConnection;
  readonly prefix: string;
  readonly group: string | undefined;
  readonly routes: readonly { readonly pattern: string; readonly channel: string }[];
  readonly partitions: number;
  readonly partitionKey: (event: BusEvent) => string;
  readonly maxInFlight: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly maxDeliveries: number;
  readonly redelivery: Required<RedeliveryPolicy>;
  readonly retention: { readonly maxAgeMs: number; readonly maxLength?: number; readonly intervalMs: number };
  readonly dedupe: false | { readonly windowMs: number };
  readonly publishBufferMax: number;
  readonly blockMs: number;
  readonly shutdownTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** The channel of events that no route sends elsewhere. */
export const DEFAULT_CHANNEL = 'main';

const SCOPE = 'RedisStreamsTransport option';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const KNOWN = [
  'connection',
  'prefix',
  'group',
  'channels',
  'partitions',
  'partitionKey',
  'maxInFlight',
  'claimIdleMs',
  'claimIntervalMs',
  'maxDeliveries',
  'redelivery',
  'retention',
  'dedupe',
  'publishBuffer',
  'blockMs',
  'shutdownTimeoutMs',
  'connectTimeoutMs',
  'logger',
];

const ms = (option: string, value: unknown, fallback: number, min = 1): number =>
  checkNumber(option, value, fallback, { min, integer: true, unit: 'milliseconds' }, SCOPE);
const count = (option: string, value: unknown, fallback: number, min = 1): number =>
  checkNumber(option, value, fallback, { min, integer: true }, SCOPE);

/** Checks `options` and fills in the defaults; throws `EventsConfigError` naming the first bad option. */
export function resolveRedisStreamsOptions(
  options: RedisStreamsTransportOptions = {},
): ResolvedRedisStreamsOptions {
  if (!isRecord(options)) throw new EventsConfigError('options', 'an object', options, SCOPE);
  rejectUnknownKeys('options', options, KNOWN);
  const claimIdleMs = ms('claimIdleMs', options.claimIdleMs, 30_000, 10);
  return {
    connection: checkConnection(options.connection),
    prefix: checkPrefix(options.prefix),
    group: options.group === undefined ? undefined : checkName('group', options.group),
    routes: checkRoutes(options.channels),
    partitions: count('partitions', options.partitions, 1),
    partitionKey:
      checkFunction<(event: BusEvent) => string>('partitionKey', options.partitionKey) ??
      ((event) => event.correlationId),
    maxInFlight: count('maxInFlight', options.maxInFlight, 32),
    claimIdleMs,
    claimIntervalMs: ms('claimIntervalMs', options.claimIntervalMs, 5_000, 10),
    maxDeliveries: count('maxDeliveries', options.maxDeliveries, 5),
    redelivery: checkRedelivery(options.redelivery),
    retention: checkRetention(options.retention),
    dedupe: checkDedupe(options.dedupe),
    publishBufferMax: checkPublishBuffer(options.publishBuffer),
    blockMs: ms('blockMs', options.blockMs, 2_000, 10),
    shutdownTimeoutMs: ms('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 0),
    connectTimeoutMs: ms('connectTimeoutMs', options.connectTimeoutMs, 5_000, 10),
  };
}

/** `group` checked as a consumer group name (the module's `source` when not given as an option). */
export function checkGroupName(group: string): string {
  return checkName('group', group);
}

function checkPrefix(value: unknown): string {
  if (value === undefined) return 'events';
  if (typeof value === 'string' && /^[^{}\s]{1,100}$/.test(value)) return value;
  throw new EventsConfigError('prefix', 'up to 100 characters without spaces or braces', value, SCOPE);
}

function checkName(option: string, value: unknown): string {
  if (typeof value === 'string' && NAME.test(value)) return value;
  throw new EventsConfigError(option, 'letters, digits, ".", "_" and "-" (at most 100)', value, SCOPE);
}

function checkFunction<T>(option: string, value: unknown): T | undefined {
  if (value === undefined || typeof value === 'function') return value as T | undefined;
  throw new EventsConfigError(option, 'a function', value, SCOPE);
}

function checkRoutes(value: unknown): { pattern: string; channel: string }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new EventsConfigError('channels', 'an array of routes', value, SCOPE);
  return value.map((route: unknown, i) => {
    if (!isRecord(route)) throw new EventsConfigError(`channels[${i}]`, '{ pattern, channel }', route, SCOPE);
    rejectUnknownKeys(`channels[${i}]`, route, ['pattern', 'channel']);
    const pattern = isRecord(route.pattern) ? route.pattern.type : route.pattern;
    const problem = explainPattern(pattern);
    if (problem !== undefined) throw new EventsConfigError(`channels[${i}].pattern`, problem, pattern, SCOPE);
    return { pattern: pattern as string, channel: checkName(`channels[${i}].channel`, route.channel) };
  });
}

function checkRedelivery(value: unknown): Required<RedeliveryPolicy> {
  const policy = objectOption('redelivery', value, ['attempts', 'delayMs', 'factor', 'maxDelayMs']);
  return {
    attempts: count('redelivery.attempts', policy.attempts, 5),
    delayMs: ms('redelivery.delayMs', policy.delayMs, 1_000, 0),
    factor: checkNumber('redelivery.factor', policy.factor, 2, { min: 1 }, SCOPE),
    maxDelayMs: ms('redelivery.maxDelayMs', policy.maxDelayMs, 60_000, 0),
  };
}

function checkRetention(value: unknown): ResolvedRedisStreamsOptions['retention'] {
  const policy = objectOption('retention', value, ['maxAgeMs', 'maxLength', 'intervalMs']);
  const maxLength =
    policy.maxLength === undefined ? undefined : count('retention.maxLength', policy.maxLength, 0);
  return {
    maxAgeMs: ms('retention.maxAgeMs', policy.maxAgeMs, 24 * 3_600_000),
    ...(maxLength === undefined ? {} : { maxLength }),
    intervalMs: ms('retention.intervalMs', policy.intervalMs, 30_000, 10),
  };
}

function checkDedupe(value: unknown): false | { windowMs: number } {
  if (value === undefined || value === false) return false;
  const dedupe = objectOption('dedupe', value, ['windowMs']);
  if (dedupe.windowMs === undefined)
    throw new EventsConfigError('dedupe.windowMs', 'milliseconds', undefined);
  return { windowMs: ms('dedupe.windowMs', dedupe.windowMs, 0) };
}

function checkPublishBuffer(value: unknown): number {
  const buffer = objectOption('publishBuffer', value, ['maxEvents']);
  return count('publishBuffer.maxEvents', buffer.maxEvents, 10_000, 0);
}

function objectOption(option: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new EventsConfigError(option, 'an object', value, SCOPE);
  rejectUnknownKeys(option, value, known);
  return value;
}
