import type { Redis } from 'ioredis';
import type { RedisClusterNode } from './redis-connection.options';
import type { RedisClient } from './redis.connections';
import { RedisTopologyError } from './redis.errors';

/** How long the probe of a seed node may take once a Cluster failed to start. */
const PROBE_MS = 1_000;

/**
 * Throws `RedisTopologyError` when a single-Redis connection reached a Redis Cluster node: every key on another
 * shard would answer MOVED, so the transport refuses to start rather than fail entry by entry.
 */
export async function refuseClusterNode(commands: RedisClient, address: string): Promise<void> {
  if ((await clusterEnabled(commands)) === true) throw new RedisTopologyError(address, 'cluster-node');
}

/**
 * Once a Cluster failed to start: `RedisTopologyError` when its first seed answers but runs without cluster mode
 * (ioredis says only that no startup node is available), else undefined.
 */
export async function explainClusterFailure(
  seed: RedisClusterNode,
  plain: (node: RedisClusterNode) => Redis,
): Promise<RedisTopologyError | undefined> {
  const client = plain(seed);
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_MS).unref()),
    ]);
    const enabled = await clusterEnabled(client);
    return enabled === false ? new RedisTopologyError(`${seed.host}:${seed.port}`, 'single') : undefined;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** `cluster_enabled` from `INFO cluster`; undefined when INFO is refused or says nothing. */
async function clusterEnabled(client: RedisClient): Promise<boolean | undefined> {
  try {
    const match = /cluster_enabled:(\d)/.exec(String(await client.call('INFO', 'cluster')));
    return match === null ? undefined : match[1] === '1';
  } catch {
    return undefined;
  }
}
