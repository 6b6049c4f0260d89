import { EventsError } from '../errors/events.error';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

/** The base of the errors `RedisStreamsTransport` throws on purpose. */
export class RedisTransportError extends EventsError {}

/**
 * Redis could not be reached when the transport started (its first `consume()` or `publish()`): the message names
 * the host and port it tried, and the cause is the client's own error.
 */
export class RedisUnavailableError extends RedisTransportError {
  constructor(
    /** `host:port` (or the socket path) the transport tried. */
    readonly address: string,
    waitedMs: number,
    cause?: unknown,
  ) {
    super(
      `RedisStreamsTransport could not connect to Redis at ${address} within ${waitedMs} ms` +
        (cause instanceof Error ? `: ${cause.message}` : '.') +
        ' Check that Redis runs there, or set the transport option "connection" (default REDIS_URL).',
      { cause },
    );
  }
}

/**
 * Events that could not be published: the offline buffer was full while Redis was unreachable, or the transport
 * closed before Redis came back. Each of them is also counted in `stats().dropped`.
 */
export class PublishDroppedError extends RedisTransportError {
  constructor(
    /** How many events of this `publish()` call were dropped. */
    readonly dropped: number,
    reason: 'buffer-full' | 'closed',
    /** Ids of the dropped events. */
    readonly eventIds: readonly string[],
  ) {
    super(
      reason === 'buffer-full'
        ? `RedisStreamsTransport dropped ${dropped} event(s): Redis is unreachable and the publish buffer ` +
            `(publishBuffer.maxEvents) is full.`
        : `RedisStreamsTransport dropped ${dropped} event(s): the transport closed while Redis was unreachable.`,
    );
  }
}

/** `ioredis` is not installed: the Redis transport needs it (an optional peer of nestjs-event-bus). */
export class RedisClientMissingError extends MissingPeerDependencyError {
  constructor(cause?: unknown) {
    super('ioredis', 'transport', cause);
    this.message =
      'RedisStreamsTransport needs the package "ioredis" (^6.0.0), which could not be loaded. ' +
      'Install it: npm install ioredis';
  }
}

/**
 * The `connection` option does not match what answered: a single-Redis connection reached a Redis Cluster node
 * (its keys would answer MOVED), or a `{ cluster }` connection reached a Redis without cluster mode.
 */
export class RedisTopologyError extends RedisTransportError {
  constructor(
    /** `host:port` of the server that answered. */
    readonly address: string,
    /** What the server is. */
    readonly found: 'cluster-node' | 'single',
  ) {
    super(
      found === 'cluster-node'
        ? `RedisStreamsTransport: Redis at ${address} is a Redis Cluster node. Give the transport option ` +
            `"connection" as { cluster: [{ host, port }, ...] } to use the cluster.`
        : `RedisStreamsTransport: Redis at ${address} does not run in cluster mode (cluster_enabled:0). Give the ` +
            `transport option "connection" as its redis:// URL, or point { cluster } at the cluster's nodes.`,
    );
  }
}
