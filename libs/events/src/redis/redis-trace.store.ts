import type { Redis, RedisOptions } from 'ioredis';
import { checkNumber, isRecord } from '../common/option-checks';
import { loadOptionalPeer } from '../common/optional-peer';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { withTimeout } from '../common/with-timeout';
import type { TraceEntry, TraceStore } from '../trace/trace-store.port';
import { RedisClientMissingError, RedisUnavailableError } from './redis.errors';

/** Options of `new RedisTraceStore()`; every one has a default. */
export interface RedisTraceStoreOptions {
  /** A `redis://` URL or ioredis options; default `process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'`. */
  connection?: string | RedisOptions;
  /** The first part of every key (`<prefix>:trace:{<correlationId>}`); default `events`. */
  prefix?: string;
  /** Entries kept per story: the first ones; later ones are dropped. Default 2000. */
  maxEntriesPerStory?: number;
  /** A story's list expires this long after its last entry; default 24 h. */
  ttlMs?: number;
  /** How long the first connection may take before `init()` fails; default 5000 ms. */
  connectTimeoutMs?: number;
}

type RedisConstructor = new (...args: unknown[]) => Redis;

const KEYS = ['connection', 'prefix', 'maxEntriesPerStory', 'ttlMs', 'connectTimeoutMs'];
const SCOPE = 'RedisTraceStore option';

/**
 * A `TraceStore` that processes share: one Redis list per correlation id (`RPUSH`, capped with `LTRIM`, expired
 * with `PEXPIRE`), so a story read on any instance shows the handler attempts every process recorded. Bounded per
 * story and in time; a story's key carries its id as a hash tag, so each append touches one cluster slot.
 */
export class RedisTraceStore implements TraceStore {
  private readonly connection: string | RedisOptions;
  private readonly prefix: string;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly connectTimeoutMs: number;
  private client: Redis | undefined;

  constructor(options: RedisTraceStoreOptions = {}) {
    if (!isRecord(options)) throw new TypeError('new RedisTraceStore(): options must be an object.');
    rejectUnknownKeys('RedisTraceStore', options, KEYS);
    this.connection = options.connection ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.prefix = checkPrefix(options.prefix);
    this.maxEntries = checkNumber(
      'maxEntriesPerStory',
      options.maxEntriesPerStory,
      2000,
      {
        min: 1,
        integer: true,
      },
      SCOPE,
    );
    this.ttlMs = checkNumber('ttlMs', options.ttlMs, 24 * 3_600_000, { min: 1000, integer: true }, SCOPE);
    this.connectTimeoutMs = checkNumber(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      5000,
      { min: 1 },
      SCOPE,
    );
  }

  /** The key of one story's list. */
  keyOf(correlationId: string): string {
    return `${this.prefix}:trace:{${correlationId}}`;
  }

  async init(): Promise<void> {
    if (this.client !== undefined) return;
    const RedisClass = loadOptionalPeer<{ Redis: RedisConstructor }>(
      'ioredis',
      (cause) => new RedisClientMissingError(cause),
    ).Redis;
    const settings: RedisOptions = {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: this.connectTimeoutMs,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 1_000),
    };
    const client =
      typeof this.connection === 'string'
        ? new RedisClass(this.connection, settings)
        : new RedisClass({ ...this.connection, ...settings });
    // Errors surface on the commands that fail; an unhandled 'error' event would only add noise.
    client.on('error', () => undefined);
    try {
      await withTimeout(client.connect(), this.connectTimeoutMs, () => new Error('no answer'));
    } catch (error) {
      client.disconnect();
      const { host, port, path } = client.options;
      throw new RedisUnavailableError(path ?? `${host}:${port}`, this.connectTimeoutMs, error);
    }
    this.client = client;
  }

  async append(entries: readonly TraceEntry[]): Promise<void> {
    const client = this.ready();
    const byStory = new Map<string, string[]>();
    for (const entry of entries) {
      const lines = byStory.get(entry.correlationId);
      if (lines) lines.push(JSON.stringify(entry));
      else byStory.set(entry.correlationId, [JSON.stringify(entry)]);
    }
    const pipeline = client.pipeline();
    for (const [correlationId, lines] of byStory) {
      const key = this.keyOf(correlationId);
      pipeline
        .rpush(key, ...lines)
        .ltrim(key, 0, this.maxEntries - 1)
        .pexpire(key, this.ttlMs);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async read(correlationId: string): Promise<TraceEntry[]> {
    const lines = await this.ready().lrange(this.keyOf(correlationId), 0, -1);
    const entries: TraceEntry[] = [];
    for (const line of lines) {
      const entry = parseEntry(line);
      if (entry !== undefined && entry.correlationId === correlationId) entries.push(entry);
    }
    return entries;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    if (client.status !== 'ready') return client.disconnect();
    await withTimeout(client.quit(), 1000, () => new Error('quit timed out')).catch(() =>
      client.disconnect(),
    );
  }

  private ready(): Redis {
    if (this.client === undefined) {
      throw new Error('RedisTraceStore is not open: the events module calls init() at startup.');
    }
    return this.client;
  }
}

/** An entry read back, or undefined for a line that is not one (written by something else). */
function parseEntry(line: string): TraceEntry | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    if (!isRecord(value) || typeof value.correlationId !== 'string') return undefined;
    return ['event', 'attempt', 'dead-letter'].includes(value.kind as string)
      ? (value as unknown as TraceEntry)
      : undefined;
  } catch {
    return undefined;
  }
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return 'events';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9:._-]{1,100}$/.test(prefix)) {
    throw new TypeError(
      `new RedisTraceStore(): prefix must be 1 to 100 letters, digits, ":", ".", "_" or "-", received ${String(prefix)}.`,
    );
  }
  return prefix;
}
