import type { RedisOptions } from 'ioredis';
import type { TransportChannel, TransportDescription } from '../bus/ports/event-transport.port';
import { DEFAULT_CHANNEL, type ResolvedRedisStreamsOptions } from './redis-streams.options';
import { streamKey } from './redis.keys';

/** The Redis Streams transport as documents describe it: server, channels in routing order, and its policies. */
export function describeRedisStreams(options: ResolvedRedisStreamsOptions): TransportDescription {
  return {
    protocol: 'redis',
    host: hostOf(options.connection),
    channels: channelsOf(options),
    settings: {
      prefix: options.prefix,
      ...(options.group === undefined ? {} : { group: options.group }),
      partitions: options.partitions,
      maxDeliveries: options.maxDeliveries,
      redelivery: options.redelivery,
      retention: options.retention,
      dedupe: options.dedupe,
    },
  };
}

function channelsOf(options: ResolvedRedisStreamsOptions): TransportChannel[] {
  const patterns = new Map<string, string[]>();
  for (const route of options.routes) {
    patterns.set(route.channel, [...(patterns.get(route.channel) ?? []), route.pattern]);
  }
  patterns.set(DEFAULT_CHANNEL, [...(patterns.get(DEFAULT_CHANNEL) ?? []), '**']);
  return [...patterns].map(([name, routed]) => ({
    name,
    addresses:
      options.partitions === 1
        ? [streamKey(options.prefix, name)]
        : Array.from({ length: options.partitions }, (_, p) => streamKey(options.prefix, `${name}:${p}`)),
    patterns: routed,
  }));
}

/** `host:port` of a connection (the seed nodes of a cluster), never its credentials. */
function hostOf(resolved: ResolvedRedisStreamsOptions['connection']): string {
  if (resolved.kind === 'cluster') {
    return resolved.nodes.map((node) => `${node.host}:${node.port}`).join(',');
  }
  const connection: string | RedisOptions = resolved.target;
  if (typeof connection !== 'string') {
    return connection.path ?? `${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
  }
  try {
    const url = new URL(connection);
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    return 'redis';
  }
}
