import { EventsConfigError } from '../errors/events-config.error';
import { parseEvent } from '../event/event.parser';
import { resolveRedisStreamsOptions } from './redis-streams.options';
import { StreamRouter, streamKeys, streamNames } from './redis.keys';

const event = (type: string, correlationId = 'c-1') =>
  parseEvent({
    id: '0190f5d2-7a4e-7c1b-8f3a-2b6c9d0e1f2a',
    type,
    version: 1,
    data: {},
    timestamp: '2026-01-01T00:00:00.000Z',
    correlationId,
    source: 'test',
    severity: 'info',
    metadata: {},
  });

describe('RedisStreamsTransport options', () => {
  it('fills in the documented defaults', () => {
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      expect(resolveRedisStreamsOptions()).toMatchObject({
        connection: { kind: 'single', target: 'redis://127.0.0.1:6379' },
        prefix: 'events',
        group: undefined,
        routes: [],
        partitions: 1,
        maxInFlight: 32,
        claimIdleMs: 30_000,
        claimIntervalMs: 5_000,
        maxDeliveries: 5,
        redelivery: { attempts: 5, delayMs: 1_000, factor: 2, maxDelayMs: 60_000 },
        retention: { maxAgeMs: 86_400_000, intervalMs: 30_000 },
        dedupe: false,
        publishBufferMax: 10_000,
        blockMs: 2_000,
        shutdownTimeoutMs: 10_000,
        connectTimeoutMs: 5_000,
      });
      process.env.REDIS_URL = 'redis://10.0.0.1:6380';
      expect(resolveRedisStreamsOptions().connection).toEqual({
        kind: 'single',
        target: 'redis://10.0.0.1:6380',
      });
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it.each([
    [{ maxInFlight: 0 }, 'maxInFlight'],
    [{ claimIdleMs: 1.5 }, 'claimIdleMs'],
    [{ prefix: 'a{b}' }, 'prefix'],
    [{ group: 'has space' }, 'group'],
    [{ channels: [{ pattern: 'User.*', channel: 'users' }] }, 'channels[0].pattern'],
    [{ channels: [{ pattern: 'user.*', channel: 'a:b' }] }, 'channels[0].channel'],
    [{ redelivery: { attempts: 0 } }, 'redelivery.attempts'],
    [{ retention: { maxAgeMs: -1 } }, 'retention.maxAgeMs'],
    [{ dedupe: { windowMs: 'long' } }, 'dedupe.windowMs'],
    [{ partitionKey: 'correlationId' }, 'partitionKey'],
    [{ claimIdleMS: 5 }, 'options.claimIdleMS'],
    [{ connection: 42 }, 'connection'],
    [{ connection: { cluster: [] } }, 'connection.cluster'],
    [{ connection: { cluster: '127.0.0.1:7000' } }, 'connection.cluster'],
    [{ connection: { cluster: ['127.0.0.1'] } }, 'connection.cluster[0]'],
    [{ connection: { cluster: ['127.0.0.1:70000'] } }, 'connection.cluster[0]'],
    [{ connection: { cluster: [{ host: '', port: 7000 }] } }, 'connection.cluster[0]'],
    [{ connection: { cluster: [{ host: 'a', port: 7000, tls: true }] } }, 'connection.cluster[0].tls'],
    [{ connection: { cluster: ['a:7000'], options: 'fast' } }, 'connection.options'],
    [{ connection: { cluster: ['a:7000'], host: 'b' } }, 'connection.host'],
  ])('rejects %j naming %s', (options, option) => {
    expect(() => resolveRedisStreamsOptions(options as never)).toThrow(EventsConfigError);
    expect(() => resolveRedisStreamsOptions(options as never)).toThrow(`"${option}"`);
  });
});

describe('RedisStreamsTransport connection option', () => {
  it('takes a Redis Cluster as seed nodes, objects or host:port strings, with ioredis options', () => {
    const { connection } = resolveRedisStreamsOptions({
      connection: {
        cluster: [{ host: '10.0.0.1', port: 7000 }, '10.0.0.2:7001', 'redis://10.0.0.3:7002', '[::1]:7003'],
        options: { redisOptions: { password: 'secret' } },
      },
    });
    expect(connection).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '10.0.0.3', port: 7002 },
        { host: '::1', port: 7003 },
      ],
      options: { redisOptions: { password: 'secret' } },
    });
  });

  it('keeps a URL or ioredis options for one Redis as they are', () => {
    expect(resolveRedisStreamsOptions({ connection: { host: 'r', port: 6380 } }).connection).toEqual({
      kind: 'single',
      target: { host: 'r', port: 6380 },
    });
  });
});

describe('Redis keys and routes', () => {
  it('gives every key of one stream the same hash tag', () => {
    const keys = streamKeys('events', 'main:3', 'billing');
    const tags = [
      keys.stream,
      keys.retries,
      keys.schedule,
      keys.deadLetters,
      keys.trimLock,
      keys.done('e-1'),
    ].map((key) => /\{([^}]*)\}/.exec(key)?.[1]);
    expect(new Set(tags)).toEqual(new Set(['main:3']));
    expect(keys.channel).toBe('main');
  });

  it('lists each channel times its partitions', () => {
    const options = resolveRedisStreamsOptions({
      partitions: 2,
      channels: [{ pattern: 'billing.**', channel: 'billing' }],
    });
    expect(streamNames(options)).toEqual(['main:0', 'main:1', 'billing:0', 'billing:1']);
  });

  it('routes by the first matching pattern, and by partition key within a channel', () => {
    const options = resolveRedisStreamsOptions({
      partitions: 4,
      channels: [
        { pattern: 'billing.invoice.*', channel: 'invoices' },
        { pattern: 'billing.**', channel: 'billing' },
      ],
    });
    const router = new StreamRouter(options);
    expect(router.route(event('billing.invoice.paid'))).toMatch(/^invoices:[0-3]$/);
    expect(router.route(event('billing.refund'))).toMatch(/^billing:[0-3]$/);
    expect(router.route(event('user.created'))).toMatch(/^main:[0-3]$/);
    const partitions = new Set(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((c) => router.route(event('x.y', c))),
    );
    expect(partitions.size).toBeGreaterThan(1);
    expect(router.route(event('x.y', 'same'))).toBe(router.route(event('x.y', 'same')));
  });
});
