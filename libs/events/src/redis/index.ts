// The entry point nestjs-event-bus/redis: the Redis Streams transport. It needs the optional peer `ioredis`.
export { RedisStreamsTransport } from './redis-streams.transport';
export type {
  RedisClusterConnection,
  RedisClusterNode,
  RedisConnectionOption,
} from './redis-connection.options';
export type {
  ChannelRoute,
  RedeliveryPolicy,
  RedisStreamsTransportOptions,
  RetentionPolicy,
} from './redis-streams.options';
export { RedisDeadLetterStore } from './redis-dead-letter.store';
export { EVERY_HANDLER } from './stream.settler';
export {
  PublishDroppedError,
  RedisClientMissingError,
  RedisTopologyError,
  RedisTransportError,
  RedisUnavailableError,
} from './redis.errors';
export { RedisTraceStore, type RedisTraceStoreOptions } from './redis-trace.store';
