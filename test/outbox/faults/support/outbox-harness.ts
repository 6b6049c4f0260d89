import { Redis } from 'ioredis';
import { SHARED_REDIS_URL } from '../../../support/redis-prefix';
import { eventually } from '../../../support/wait';
import type { FaultDatabase } from './fault-database';
import type { FaultDatabaseSettings, OutboxChildSettings } from './outbox-child';
import type { OutboxProcess, OutboxStatus } from './outbox-process';

/** One line a handler recorded: `<n> <child> <event id> <key>`. */
export interface Delivery {
  readonly n: number;
  readonly child: string;
  readonly eventId: string;
  readonly key: string;
}

/** The settings of one child of a test run; records always go to the shared Redis. */
export function outboxChild(
  prefix: string,
  name: string,
  role: string,
  redisUrl: string,
  options: {
    database?: FaultDatabaseSettings;
    relay?: OutboxChildSettings['relay'];
    transport?: OutboxChildSettings['transport'];
    workMs?: number;
  } = {},
): OutboxChildSettings {
  return { prefix, name, role, redisUrl, recordUrl: SHARED_REDIS_URL, ...options };
}

/** The lines of `<prefix>:<list>` (`local` or `remote`), parsed, in the order they were recorded. */
export async function deliveries(redis: Redis, prefix: string, list: string): Promise<Delivery[]> {
  const lines = await redis.lrange(`${prefix}:${list}`, 0, -1);
  return lines.map((line) => {
    const [n, child, eventId, key] = line.split(' ');
    return { n: Number(n), child, eventId, key };
  });
}

/** How the deliveries compare with what committed: each list empty means every committed order exactly once. */
export interface Comparison {
  /** Committed orders never delivered. */
  readonly missing: number[];
  /** Delivered orders that never committed (rolled back, or failed). */
  readonly uncommitted: number[];
  /** Orders delivered more than once, each as often as it was delivered beyond the first. */
  readonly duplicates: number[];
}

/** Compares `delivered` with the `committed` order numbers. */
export function compare(committed: readonly number[], delivered: readonly { n: number }[]): Comparison {
  const wanted = new Set(committed);
  const seen = new Set<number>();
  const duplicates: number[] = [];
  const uncommitted = new Set<number>();
  for (const { n } of delivered) {
    if (!wanted.has(n)) uncommitted.add(n);
    if (seen.has(n)) duplicates.push(n);
    seen.add(n);
  }
  const missing = committed.filter((n) => !seen.has(n));
  return { missing, uncommitted: [...uncommitted].sort((a, b) => a - b), duplicates };
}

/** What `compare()` gives when every committed order was delivered exactly once. */
export const EACH_ONCE: Comparison = Object.freeze({ missing: [], uncommitted: [], duplicates: [] });

/** True once every committed order was delivered at least once. */
export function allDelivered(committed: readonly number[], delivered: readonly Delivery[]): boolean {
  const seen = new Set(delivered.map((d) => d.n));
  return committed.every((n) => seen.has(n));
}

/**
 * Per key, the order numbers in the order they were recorded, where a key's later event came before an earlier
 * one (an empty list: every key in order).
 */
export function outOfOrder(delivered: readonly { n: number; key: string }[]): string[] {
  const last = new Map<string, number>();
  const broken: string[] = [];
  for (const { key, n } of delivered) {
    const before = last.get(key);
    if (before !== undefined && n < before) broken.push(`${key}: ${n} after ${before}`);
    last.set(key, n);
  }
  return broken;
}

/**
 * Waits until every committed order was handled in the other process (`remote`) and by the relaying instance
 * (`local`), then until the outbox holds no row.
 */
export async function untilAllDelivered(
  records: Redis,
  prefix: string,
  committed: readonly number[],
  db: FaultDatabase,
  timeoutMs = 120_000,
): Promise<void> {
  await eventually(async () => {
    const remote = await deliveries(records, prefix, 'remote');
    const local = await deliveries(records, prefix, 'local');
    return allDelivered(committed, remote) && allDelivered(committed, local);
  }, timeoutMs);
  await eventually(async () => (await db.waiting()).length === 0, 60_000);
}

/** What a run delivered: both handlers' records and the transport's stream entries (read once the children stopped). */
export interface Outcome {
  readonly remote: Delivery[];
  readonly local: Delivery[];
  readonly stream: Published[];
}

/** Reads the outcome of a run whose transport is the Redis at `redisUrl`. */
export async function outcome(
  records: Redis,
  prefix: string,
  redisUrl: string,
  partitions = 1,
): Promise<Outcome> {
  return {
    remote: await deliveries(records, prefix, 'remote'),
    local: await deliveries(records, prefix, 'local'),
    stream: await published(redisUrl, prefix, partitions),
  };
}

/** A producer and a consumer process of one run, the test's record lists and the run's transport. */
export interface OutboxRun {
  readonly records: Redis;
  readonly prefix: string;
  readonly redisUrl: string;
  readonly db: FaultDatabase;
  readonly producer: OutboxProcess;
  readonly consumer: OutboxProcess;
}

/**
 * The end of a fault run: waits until every committed order is handled in both processes and the outbox is
 * empty, reads the producer's outbox status, stops both children (each must exit with 0), then expects every
 * committed order exactly once in the remote, local and published lists, and the outbox up and empty. Returns
 * what it read, for the run's figures.
 */
export async function expectEachDeliveredOnce(
  run: OutboxRun,
  committed: readonly number[],
): Promise<Outcome & { readonly after: OutboxStatus }> {
  await untilAllDelivered(run.records, run.prefix, committed, run.db);
  const after = await run.producer.status();
  const exits = await Promise.all([run.producer.stop(), run.consumer.stop()]);
  expect(exits.map((exit) => exit.code)).toEqual([0, 0]);
  const delivered = await outcome(run.records, run.prefix, run.redisUrl);
  expect(compare(committed, delivered.remote)).toEqual(EACH_ONCE);
  expect(compare(committed, delivered.local)).toEqual(EACH_ONCE);
  expect(compare(committed, delivered.stream)).toEqual(EACH_ONCE);
  expect(after).toMatchObject({ status: 'up', rows: 0 });
  return { ...delivered, after };
}

/** Prints figures of a fault test where the run's output shows them (not assertions). */
export function report(test: string, figures: Readonly<Record<string, unknown>>): void {
  process.stdout.write(`[outbox fault figures] ${test}: ${JSON.stringify(figures)}\n`);
}

/** An entry of the transport's stream: the event id and order number it carries. */
export interface Published {
  readonly eventId: string;
  readonly n: number;
  readonly key: string;
}

/**
 * Every event the transport's streams on the Redis at `url` hold under `prefix` (one stream, or `partitions` of
 * them), read with XRANGE:
 * what was published, however often its consumers handled it.
 */
export async function published(url: string, prefix: string, partitions = 1): Promise<Published[]> {
  const redis = new Redis(url);
  try {
    return await readStreams(redis, prefix, partitions);
  } finally {
    redis.disconnect();
  }
}

async function readStreams(redis: Redis, prefix: string, partitions: number): Promise<Published[]> {
  const entries: Published[] = [];
  for (const stream of streamKeys(prefix, partitions)) {
    const rows = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
    for (const [, fields] of rows) {
      const body = JSON.parse(fields[fields.indexOf('body') + 1]) as {
        id: string;
        data: { n: number; key: string };
      };
      entries.push({ eventId: body.id, n: body.data.n, key: body.data.key });
    }
  }
  return entries;
}

/** Entries delivered to `group` and not yet acknowledged, on the stream(s) under `prefix` at `url`. */
export async function unacknowledged(
  url: string,
  prefix: string,
  group: string,
  partitions = 1,
): Promise<number> {
  const redis = new Redis(url);
  try {
    let count = 0;
    for (const stream of streamKeys(prefix, partitions)) {
      const summary = (await redis.xpending(stream, group).catch(() => [0])) as [number];
      count += Number(summary[0]);
    }
    return count;
  } finally {
    redis.disconnect();
  }
}

function streamKeys(prefix: string, partitions: number): string[] {
  return partitions === 1
    ? [`${prefix}:{main}`]
    : Array.from({ length: partitions }, (_, p) => `${prefix}:{main:${p}}`);
}

/** Whether the relay of the child with `pid` holds a row (a relay's owner name is `<host>:<pid>:<random>`). */
export function heldBy(child: { readonly pid: number }): (row: { leaseOwner: string | null }) => boolean {
  return (row) => row.leaseOwner?.split(':')[1] === String(child.pid);
}
