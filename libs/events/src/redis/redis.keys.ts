import { compilePattern, type TypeMatcher } from '../bus/pattern-matcher';
import type { BusEvent } from '../event/bus-event.interface';
import { DEFAULT_CHANNEL, type ResolvedRedisStreamsOptions } from './redis-streams.options';

/**
 * The keys of one stream (a channel, or one partition of it) and of what one group keeps beside it. Every key
 * carries the stream's `{hash tag}`, so the scripts that touch several of them run on Redis Cluster too.
 */
export interface StreamKeys {
  /** `channel` or `channel:partition`: names the stream in logs, stats and dead-letter ids. */
  readonly name: string;
  readonly channel: string;
  /** The events: `<prefix>:{<name>}`. */
  readonly stream: string;
  /** Durable retries due now, read by this group only: a stream. */
  readonly retries: string;
  /** Durable retries not yet due: a sorted set scored by due time. */
  readonly schedule: string;
  /** This group's dead letters: a stream. */
  readonly deadLetters: string;
  /** Held by the instance that trims the stream. */
  readonly trimLock: string;
  /** The dedupe window's set of handlers done with one event. */
  done(eventId: string): string;
}

/** The key of the stream `name`: `<prefix>:{<name>}`. */
export function streamKey(prefix: string, name: string): string {
  return `${prefix}:{${name}}`;
}

/** The keys of `name` for `group`. */
export function streamKeys(prefix: string, name: string, group: string): StreamKeys {
  const base = streamKey(prefix, name);
  return {
    name,
    channel: name.split(':', 1)[0],
    stream: base,
    retries: `${base}:retries:${group}`,
    schedule: `${base}:schedule:${group}`,
    deadLetters: `${base}:dlq:${group}`,
    trimLock: `${base}:trim-lock`,
    done: (eventId) => `${base}:done:${group}:${eventId}`,
  };
}

/** Every stream name of the options: each channel, times its partitions. */
export function streamNames(options: ResolvedRedisStreamsOptions): string[] {
  const channels = [DEFAULT_CHANNEL, ...options.routes.map((route) => route.channel)];
  const names: string[] = [];
  for (const channel of new Set(channels)) {
    if (options.partitions === 1) names.push(channel);
    else for (let p = 0; p < options.partitions; p++) names.push(`${channel}:${p}`);
  }
  return names;
}

/** A cap on the remembered type → channel answers: types are few, but an app could make them up. */
const MAX_CACHED_TYPES = 10_000;

/** Picks the stream of each event: its channel by the first matching route, its partition by its key. */
export class StreamRouter {
  private readonly routes: readonly { matches: TypeMatcher; channel: string }[];
  private readonly channelOf = new Map<string, string>();

  constructor(private readonly options: ResolvedRedisStreamsOptions) {
    this.routes = options.routes.map((route) => ({
      matches: compilePattern(route.pattern),
      channel: route.channel,
    }));
  }

  /** The stream name of `event`. */
  route(event: BusEvent): string {
    const channel = this.channel(event.type);
    if (this.options.partitions === 1) return channel;
    return `${channel}:${hash(this.options.partitionKey(event)) % this.options.partitions}`;
  }

  private channel(type: string): string {
    let channel = this.channelOf.get(type);
    if (channel === undefined) {
      channel = this.routes.find((route) => route.matches(type))?.channel ?? DEFAULT_CHANNEL;
      if (this.channelOf.size >= MAX_CACHED_TYPES) this.channelOf.clear();
      this.channelOf.set(type, channel);
    }
    return channel;
  }
}

/** FNV-1a over the UTF-16 code units: stable across processes and versions, which is all a partition needs. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
