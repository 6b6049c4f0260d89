/**
 * RedisStreamsTransport on a real three-node Redis Cluster of this test's own (loopback ports, masters only).
 * Proves that with `partitions` the streams land on different shards (CLUSTER KEYSLOT against CLUSTER NODES), and
 * that publishing, consuming from every shard (one blocking reader per stream), sharing within a group, fan-out
 * across groups, the claim of a dead consumer's entries, durable retries, dead letters and trimming all work there:
 * every multi-key script runs on the keys of one hash tag. Then the bus-level conformance suite runs on it too.
 */
import { Cluster } from 'ioredis';
import {
  RedisStreamsTransport,
  RedisTopologyError,
  type RedisStreamsTransportOptions,
} from 'nestjs-event-bus/redis';
import { ownerOf, slotOwners, startRedisCluster, type OwnRedisCluster } from '../support/redis-cluster';
import { SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { delay, until } from '../support/wait';
import { consumeAs, FakeBus, failure, LineLogger, makeEvent } from './support/transport-harness';
import { describeTransportConformance } from './transport-conformance';

const PARTITIONS = 4;
const NAMES = Array.from({ length: PARTITIONS }, (_, p) => `main:${p}`);

describe('RedisStreamsTransport on a three-node Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let redis: Cluster;
  let prefix: string;
  const open: RedisStreamsTransport[] = [];
  const streams = () => NAMES.map((name) => `${prefix}:{${name}}`);
  const make = (options: RedisStreamsTransportOptions = {}) => {
    const logger = new LineLogger();
    const transport = new RedisStreamsTransport({
      connection: { cluster: [{ host: '127.0.0.1', port: cluster.nodes[0].port }] },
      prefix,
      partitions: PARTITIONS,
      blockMs: 200,
      claimIntervalMs: 100,
      logger,
      ...options,
    });
    open.push(transport);
    return { transport, logger };
  };
  const publishMany = (count: number, data: (i: number) => object = (i) => ({ i })) =>
    Array.from({ length: count }, (_, i) => makeEvent('order.placed', data(i)));

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    redis = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[1].port }]);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });
  beforeEach(() => {
    prefix = uniquePrefix('cluster');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
  });

  it('puts the partitions, and the channels of the conformance run below, on different shards', async () => {
    const owners = await slotOwners(cluster.nodes[0].port);
    expect(owners.size).toBe(3);
    const shardsOf = async (keys: readonly string[]) => {
      const slots = await Promise.all(keys.map((key) => redis.call('CLUSTER', 'KEYSLOT', key)));
      return new Set(slots.map((slot) => ownerOf(owners, Number(slot))));
    };
    const all = new Set(cluster.nodes.map((node) => node.port));
    expect(await shardsOf(streams())).toEqual(all);
    expect(await shardsOf(['orders', 'bills', 'main'].map((name) => `${prefix}:{${name}}`))).toEqual(all);
  });

  it('refuses a connection that does not match the server, saying which option to give', async () => {
    const node = cluster.nodes[0];
    const single = make({ connection: `redis://127.0.0.1:${node.port}` }).transport;
    await expect(single.consume(new FakeBus().deliver, consumeAs('svc'))).rejects.toThrow(RedisTopologyError);
    await expect(single.publish(publishMany(1))).rejects.toThrow(/is a Redis Cluster node.*\{ cluster/);
    const shared = new URL(SHARED_REDIS_URL);
    const notCluster = make({
      connection: { cluster: [`${shared.hostname}:${shared.port || 6379}`] },
    }).transport;
    await expect(notCluster.publish(publishMany(1))).rejects.toThrow(/does not run in cluster mode/);
  });

  it('publishes to every shard; a group shares the work, every group gets every event', async () => {
    const [a, b, audit] = [new FakeBus(), new FakeBus(), new FakeBus()];
    await make().transport.consume(a.deliver, consumeAs('svc'));
    await make().transport.consume(b.deliver, consumeAs('svc'));
    await make().transport.consume(audit.deliver, consumeAs('audit'));
    const { transport: publisher } = make();
    const events = publishMany(400);
    await publisher.publish(events);

    await until(
      () => a.deliveries.length + b.deliveries.length === 400 && audit.deliveries.length === 400,
      15_000,
    );
    const ids = events.map((event) => event.id).sort();
    expect([...a.events, ...b.events].map((event) => event.id).sort()).toEqual(ids);
    expect(audit.events.map((event) => event.id).sort()).toEqual(ids);
    expect(a.deliveries.length).toBeGreaterThan(0);
    expect(b.deliveries.length).toBeGreaterThan(0);
    for (const key of streams()) {
      expect(await redis.xlen(key)).toBeGreaterThan(0);
      await until(async () => (await redis.xpending(key, 'svc'))[0] === 0);
    }
    expect(await publisher.stats()).toMatchObject({ published: 400 });
    await until(async () => (await open[2].stats()).acked === 400);
    expect((await open[2].stats()).lag).toEqual({ main: 0 });
    expect((await open[0].health()).up).toBe(true);
  });

  it('keeps maxInFlight across its four readers: never more held or running, and none starves', async () => {
    // 4 slots for 4 readers of 2 streams each (events, retries): they take turns, and say so.
    const { transport, logger } = make({ maxInFlight: 4 });
    const bus = new FakeBus({ work: () => delay(5) });
    await transport.consume(bus.deliver, consumeAs('svc'));
    await make().transport.publish(publishMany(200));
    const held: number[] = [];
    await until(async () => {
      held.push(Number((await transport.health()).details.held));
      return bus.reports.length === 200;
    }, 20_000);
    expect(bus.maxInHand).toBeLessThanOrEqual(4);
    expect(Math.max(...held)).toBeLessThanOrEqual(4);
    expect(bus.maxInHand).toBeGreaterThan(1);
    expect(logger.has(/maxInFlight 4 is below two slots per stream \(4 streams/)).toBe(true);
  });

  it("claims a dead consumer's entries on every shard", async () => {
    const { transport: publisher } = make();
    for (const key of streams()) await redis.xgroup('CREATE', key, 'svc', '$', 'MKSTREAM');
    await publisher.publish(publishMany(40));
    for (const key of streams()) {
      await redis.xreadgroup('GROUP', 'svc', 'dead-consumer', 'COUNT', 100, 'STREAMS', key, '>');
    }
    const held = await Promise.all(streams().map(async (key) => (await redis.xpending(key, 'svc'))[0]));
    expect(held.every((count) => Number(count) > 0)).toBe(true);

    const { transport, logger } = make({ claimIdleMs: 300 });
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    await until(() => bus.reports.length === 40, 10_000);
    expect((await transport.stats()).claimed).toBe(40);
    for (const key of streams()) await until(async () => (await redis.xpending(key, 'svc'))[0] === 0);
    expect(logger.has(/Claimed \d+ entries of .*\{main:3\}/)).toBe(true);
  });

  it('retries durably, dead-letters, and trims every shard once the entries are acknowledged', async () => {
    const failing = new Set([3, 17, 29]);
    const bus = new FakeBus({
      failures: (delivery) =>
        failing.has((delivery.event.data as { i: number }).i)
          ? [failure('billing.charge', 'card declined')]
          : [],
    });
    const { transport } = make({
      redelivery: { attempts: 2, delayMs: 50 },
      retention: { maxAgeMs: 200, intervalMs: 100 },
    });
    await transport.consume(bus.deliver, consumeAs('svc'));
    await make().transport.publish(publishMany(40));

    await until(() => transport.deadLetters.list().length === 3, 15_000);
    expect(bus.deliveries.filter((d) => d.attempt === 2).length).toBe(3);
    const letters = transport.deadLetters.list();
    expect(letters.map((l) => (l.event.data as { i: number }).i).sort((x, y) => x - y)).toEqual([3, 17, 29]);
    expect(letters.every((l) => l.handler === 'billing.charge' && l.attempts === 2)).toBe(true);
    const lettersInRedis = await Promise.all(streams().map((key) => redis.xlen(`${key}:dlq:svc`)));
    expect(lettersInRedis.reduce((sum, n) => sum + n, 0)).toBe(3);
    for (const key of streams()) {
      await until(async () => (await redis.xlen(key)) === 0, 10_000);
      expect(await redis.zcard(`${key}:schedule:svc`)).toBe(0);
    }
    expect(transport.retentionStats()).toMatchObject({ trimmedByCap: 0, lostToTrim: 0 });
    expect(transport.retentionStats().trimmed).toBe(40);
  });

  // The bus-level suite again, its channels on the three shards: `orders` on the first, `bills` on the second,
  // `main` (the shop.* types) on the third. Channels rather than partitions: the suite expects publish order per
  // type family, which partitions keep only per key.
  describeTransportConformance('Redis Streams on Redis Cluster', () => {
    const own = uniquePrefix('cluster-conformance');
    return {
      redeliveryAttempts: 3,
      transport: () =>
        new RedisStreamsTransport({
          connection: { cluster: cluster.nodes.map((node) => ({ host: node.host, port: node.port })) },
          prefix: own,
          channels: [
            { pattern: 'order.**', channel: 'orders' },
            { pattern: 'invoice.**', channel: 'bills' },
          ],
          blockMs: 100,
          claimIntervalMs: 100,
          redelivery: { attempts: 3, delayMs: 20 },
          logger: new LineLogger(),
        }),
    };
  });
});
