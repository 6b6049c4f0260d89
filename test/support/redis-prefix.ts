import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';

/** The machine's shared Redis, which the tests use under key prefixes of their own (never flushed). */
export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test run's own. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${process.pid}:${Date.now().toString(36)}:${Math.floor(Math.random() * 1e6)}`;
}

/** Deletes every key under `prefix` (SCAN, never FLUSH), on the shared Redis unless `url` names another. */
export async function deletePrefix(prefix: string, url = SHARED_REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/**
 * Makes sure the machine's shared Redis answers, starting it (as the machine's services are started, keeping
 * nothing on disk) when it is down; throws when it still does not answer after 10 s. Jest's global setup calls it.
 */
export async function ensureSharedRedis(): Promise<void> {
  if (await answers(SHARED_REDIS_URL)) return;
  if (process.env.REDIS_URL !== undefined) {
    throw new Error(`Redis at REDIS_URL=${SHARED_REDIS_URL} does not answer; the Redis tests need it.`);
  }
  console.warn('Redis on 127.0.0.1:6379 is down: starting it.');
  for (const dir of ['/var/lib/redis', '/var/log/redis']) mkdirSync(dir, { recursive: true });
  spawnSync('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '-::1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    '/var/lib/redis',
    '--logfile',
    '/var/log/redis/ci.log',
  ]);
  const deadline = Date.now() + 10_000;
  while (!(await answers(SHARED_REDIS_URL))) {
    if (Date.now() > deadline)
      throw new Error('Redis on 127.0.0.1:6379 did not come up; the Redis tests need it.');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
