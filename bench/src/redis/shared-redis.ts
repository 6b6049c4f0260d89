// The machine's shared Redis, as the Redis scenarios use it: a key prefix of the run's own, deleted afterwards
// with SCAN + UNLINK (never FLUSHALL: other engineers' suites use the same server).
import { Redis } from 'ioredis';

/** The shared Redis (REDIS_URL when set). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other run uses: `bench:<scenario>:<pid>:<time>`. */
export function runPrefix(scenario: string): string {
  return `bench:${scenario}:${process.pid}:${Date.now().toString(36)}`;
}

/** A plain client on the shared Redis, as application code would make one. */
export function rawClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** Whether the shared Redis answers PING within a second. */
export async function redisUp(): Promise<boolean> {
  const client = new Redis(REDIS_URL, {
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

/** Deletes every key under `prefix` (SCAN + UNLINK, so the shared server never blocks on a large stream). */
export async function deletePrefix(prefix: string): Promise<void> {
  const client = rawClient();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/**
 * Runs `body` with a fresh prefix and deletes the prefix's keys afterwards, also when `body` throws, so a failed
 * scenario leaves nothing on the shared server.
 */
export async function withPrefix<T>(scenario: string, body: (prefix: string) => Promise<T>): Promise<T> {
  const prefix = runPrefix(scenario);
  try {
    return await body(prefix);
  } finally {
    await deletePrefix(prefix);
  }
}
