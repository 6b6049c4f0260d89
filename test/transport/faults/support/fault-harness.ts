import type { Redis } from 'ioredis';
import type { RedisStreamsTransport, RedisStreamsTransportOptions } from 'nestjs-event-bus/redis';
import type { TestChild } from '../../../support/child-process';
import { SHARED_REDIS_URL } from '../../../support/redis-prefix';
import { delay } from '../../../support/wait';
import { makeEvent } from '../../support/transport-harness';
import type { ChildSettings } from './fault-child';

/** One line a child recorded: `<n> <child> <ms>` (more words may follow). */
export interface Handled {
  readonly n: number;
  readonly child: string;
  readonly at: number;
  readonly words: readonly string[];
}

/** The settings of one child of a test run. */
export function childSettings(
  prefix: string,
  name: string,
  transport: RedisStreamsTransportOptions,
  options: { redisUrl?: string; extra?: ChildSettings['extra'] } = {},
): ChildSettings {
  return {
    prefix,
    name,
    redisUrl: options.redisUrl ?? SHARED_REDIS_URL,
    recordUrl: SHARED_REDIS_URL,
    transport,
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  };
}

/** The lines of `<prefix>:<list>`, parsed. */
export async function readRecords(redis: Redis, prefix: string, list: string): Promise<Handled[]> {
  const lines = await redis.lrange(`${prefix}:${list}`, 0, -1);
  return lines.map((line) => {
    const [n, child, at, ...words] = line.split(' ');
    return { n: Number(n), child, at: Number(at), words };
  });
}

/** How often each `n` was recorded. */
export function timesHandled(records: readonly Handled[]): Map<number, number> {
  const times = new Map<number, number>();
  for (const record of records) times.set(record.n, (times.get(record.n) ?? 0) + 1);
  return times;
}

/** The numbers in 0..count-1 that no record has. */
export function missingOf(records: readonly Handled[], count: number): number[] {
  const seen = new Set(records.map((record) => record.n));
  const missing: number[] = [];
  for (let n = 0; n < count; n++) if (!seen.has(n)) missing.push(n);
  return missing;
}

/**
 * Publishes ticks from..from+count-1 (from 0 by default) through `publisher` in batches of `batch`, pausing `pauseMs` between batches: a
 * steady load rather than one burst. Resolves once Redis has every one.
 */
export async function publishTicks(
  publisher: RedisStreamsTransport,
  count: number,
  {
    batch = 100,
    pauseMs = 20,
    lane,
    from = 0,
  }: { batch?: number; pauseMs?: number; lane?: string; from?: number } = {},
): Promise<void> {
  for (let start = from; start < from + count; start += batch) {
    const size = Math.min(batch, from + count - start);
    const events = Array.from({ length: size }, (_, i) =>
      makeEvent('fault.tick', lane === undefined ? { n: start + i } : { n: start + i, lane }),
    );
    await publisher.publish(events);
    await delay(pauseMs);
  }
}

/** The entries `consumer` holds in `group` on `stream` (XPENDING), with each one's tick number. */
export async function heldBy(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
): Promise<{ id: string; n: number }[]> {
  const rows = (await redis.xpending(stream, group, '-', '+', 100_000, consumer)) as [string][];
  return ticksOf(
    redis,
    stream,
    rows.map(([id]) => id),
  );
}

/** The tick number of each entry (read with XRANGE). */
async function ticksOf(
  redis: Redis,
  stream: string,
  ids: readonly string[],
): Promise<{ id: string; n: number }[]> {
  const ticks: { id: string; n: number }[] = [];
  for (const id of ids) {
    const entries = (await redis.xrange(stream, id, id)) as [string, string[]][];
    const fields = entries[0]?.[1] ?? [];
    const body = fields[fields.indexOf('body') + 1];
    ticks.push({ id, n: (JSON.parse(body) as { data: { n: number } }).data.n });
  }
  return ticks;
}

/** An entry a stopping consumer handed back: its id, tick number, and when the watch first saw it handed back. */
export interface HandedBack {
  readonly id: string;
  readonly n: number;
  readonly at: number;
}

/**
 * Polls `consumer`'s pending entries every 20 ms until `stop` settles, keeping those handed back: their idle time
 * is pushed far past any claimIdleMs (the 7.0 stand-in for a negative ack), which a crash or a slow handler never
 * shows. A peer may claim one between two polls: the result is what the watch saw.
 */
export async function watchHandBacks(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  stop: Promise<unknown>,
): Promise<HandedBack[]> {
  const seen = new Map<string, number>();
  let stopped = false;
  void stop.finally(() => (stopped = true));
  while (!stopped) {
    // Read before asking: a peer may claim an entry between Redis's answer and this process reading it.
    const polledAt = Date.now();
    const rows = (await redis.xpending(stream, group, '-', '+', 1_000, consumer)) as [
      string,
      string,
      number,
    ][];
    for (const [id, , idle] of rows) if (idle > 100_000_000 && !seen.has(id)) seen.set(id, polledAt);
    await delay(20);
  }
  const numbers = new Map((await ticksOf(redis, stream, [...seen.keys()])).map((e) => [e.id, e.n]));
  return [...seen].map(([id, at]) => ({ id, n: numbers.get(id) ?? -1, at }));
}

/**
 * SIGKILLs `child` at a moment `holds()` is true. The child is stopped (SIGSTOP) before each question, so that it
 * cannot acknowledge what it held between Redis's answer and the kill; when it held nothing it runs on for a
 * moment. Returns when the kill was sent (the test's clock).
 */
export async function killWhileHolding(
  child: TestChild,
  holds: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    child.signal('SIGSTOP');
    if (await holds()) return child.signal('SIGKILL');
    child.signal('SIGCONT');
    if (Date.now() > deadline) throw new Error(`the child held no entries within ${timeoutMs} ms`);
    await delay(10);
  }
}

/** Pending entries of `group` on `stream` (the XPENDING summary's count; 0 when the group is gone). */
export async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  const summary = (await redis.xpending(stream, group).catch(() => [0])) as [number];
  return Number(summary[0]);
}

/** Prints figures of a fault test where the run's output shows them (not assertions). */
export function report(test: string, figures: Readonly<{ [key: string]: unknown }>): void {
  process.stdout.write(`[fault figures] ${test}: ${JSON.stringify(figures)}\n`);
}
