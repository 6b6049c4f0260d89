import type { ClusterOptions, RedisOptions } from 'ioredis';
import { isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';

/** One node of a Redis Cluster to discover the others from. */
export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

/**
 * A Redis Cluster to connect to: seed nodes (any one reachable node is enough; list several so that one down does
 * not stop a start) and, optionally, ioredis `ClusterOptions`.
 */
export interface RedisClusterConnection {
  /** Seed nodes: `{ host, port }` or `'host:port'`. */
  readonly cluster: readonly (RedisClusterNode | string)[];
  /**
   * ioredis `ClusterOptions`: `redisOptions` for each node's connection (password, TLS...), `natMap`, `dnsLookup`...
   * The transport sets its own `lazyConnect`, `clusterRetryStrategy`, and `maxRetriesPerRequest`/`connectTimeout`
   * in `redisOptions`.
   */
  readonly options?: ClusterOptions;
}

/** What `connection` accepts: a `redis://` URL, ioredis options for one Redis, or a Redis Cluster. */
export type RedisConnectionOption = string | RedisOptions | RedisClusterConnection;

/** The connection option checked: one Redis, or a Cluster with its seed nodes as `{ host, port }`. */
export type ResolvedConnection =
  | { readonly kind: 'single'; readonly target: string | RedisOptions }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly RedisClusterNode[];
      readonly options: ClusterOptions;
    };

const SCOPE = 'RedisStreamsTransport option';
const NODE = /^(?:redis:\/\/)?([^\s:/]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

/** Checks `connection` (default REDIS_URL, else redis://127.0.0.1:6379); throws `EventsConfigError` naming it. */
export function checkConnection(value: unknown): ResolvedConnection {
  if (value === undefined) {
    return { kind: 'single', target: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
  }
  if (typeof value === 'string') return { kind: 'single', target: value };
  if (isRecord(value) && 'cluster' in value) return checkCluster(value);
  if (isRecord(value)) return { kind: 'single', target: value as RedisOptions };
  throw new EventsConfigError(
    'connection',
    'a redis:// URL, ioredis options, or { cluster: [{ host, port }...] }',
    value,
    SCOPE,
  );
}

function checkCluster(value: Record<string, unknown>): ResolvedConnection {
  rejectUnknownKeys('connection', value, ['cluster', 'options']);
  const seeds = value.cluster;
  if (!Array.isArray(seeds) || seeds.length === 0) {
    throw new EventsConfigError(
      'connection.cluster',
      'a non-empty array of seed nodes, each { host, port } or "host:port"',
      seeds,
      SCOPE,
    );
  }
  const nodes = seeds.map((seed: unknown, i) => checkNode(`connection.cluster[${i}]`, seed));
  const options = value.options;
  if (options !== undefined && !isRecord(options)) {
    throw new EventsConfigError('connection.options', 'ioredis ClusterOptions (an object)', options, SCOPE);
  }
  return { kind: 'cluster', nodes, options: (options ?? {}) as ClusterOptions };
}

function checkNode(option: string, seed: unknown): RedisClusterNode {
  if (typeof seed === 'string') {
    const match = NODE.exec(seed);
    const port = Number(match?.[2]);
    if (match && port >= 1 && port <= 65_535) return { host: match[1].replace(/^\[|\]$/g, ''), port };
  } else if (isRecord(seed)) {
    rejectUnknownKeys(option, seed, ['host', 'port']);
    const { host, port } = seed;
    const validPort = typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65_535;
    if (typeof host === 'string' && host.length > 0 && validPort) return { host, port };
  }
  throw new EventsConfigError(option, '{ host, port } or "host:port" (port 1-65535)', seed, SCOPE);
}
