import { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { LineLogger } from './support/transport-harness';
import { describeTransportConformance } from './transport-conformance';

describeTransportConformance('Redis Streams', () => {
  const prefix = uniquePrefix('conformance');
  return {
    redeliveryAttempts: 3,
    transport: () =>
      new RedisStreamsTransport({
        connection: SHARED_REDIS_URL,
        prefix,
        blockMs: 100,
        claimIntervalMs: 100,
        redelivery: { attempts: 3, delayMs: 20 },
        logger: new LineLogger(),
      }),
    teardown: () => deletePrefix(prefix),
  };
});
