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
