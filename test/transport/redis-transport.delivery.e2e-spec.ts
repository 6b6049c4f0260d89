import { Redis } from 'ioredis';
import type { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { delay, until } from '../support/wait';
import { consumeAs, FakeBus, makeEvent, testTransport } from './support/transport-harness';

describe('RedisStreamsTransport: delivery', () => {
  let prefix: string;
  const open: RedisStreamsTransport[] = [];
  const make = (options: Parameters<typeof testTransport>[1] = {}) => {
    const made = testTransport(prefix, options);
    open.push(made.transport);
    return made.transport;
  };

  beforeEach(() => {
    prefix = uniquePrefix('delivery');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
    await deletePrefix(prefix);
  });

  it('carries events as their exact JSON: unicode, nesting, 256 KiB', async () => {
    const transport = make();
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    const events = [
      makeEvent('user.created', {
        name: 'Zoë 🚀 名前',
        nested: { a: [1, { b: null, c: 'x"y\\z\n' }] },
        n: -1.5e-7,
      }),
      makeEvent('blob.stored', {
        text: 'é'.repeat(128 * 1024),
        list: Array.from({ length: 100 }, (_, i) => i),
      }),
      makeEvent('empty.thing', {}),
    ];
    await transport.publish(events);
    await until(() => bus.deliveries.length === 3);
    expect(bus.events.map((event) => JSON.stringify(event))).toEqual(
      events.map((event) => JSON.stringify(event)),
    );
    expect(Buffer.byteLength(JSON.stringify(events[1]))).toBeGreaterThan(256 * 1024);
    expect(
      bus.deliveries.every((delivery) => delivery.attempt === 1 && delivery.handlers === undefined),
    ).toBe(true);
    expect(Object.isFrozen(bus.events[0])).toBe(true);
    // Acknowledgements go out in batches after the deliveries resolve.
    await until(async () => (await transport.stats()).acked === 3);
    const stats = await transport.stats();
    expect(stats).toMatchObject({ published: 3, consumed: 3, acked: 3, inFlight: 0 });
  });

  it('delivers every event to each group, and once within a group shared by two consumers', async () => {
    const [a1, a2, b] = [make(), make(), make()];
    const [busA1, busA2, busB] = [new FakeBus(), new FakeBus(), new FakeBus()];
    await a1.consume(busA1.deliver, consumeAs('svc-a'));
    await a2.consume(busA2.deliver, consumeAs('svc-a'));
    await b.consume(busB.deliver, consumeAs('svc-b'));
    const events = Array.from({ length: 200 }, (_, i) => makeEvent('order.placed', { i }));
    for (let i = 0; i < events.length; i += 20) await a1.publish(events.slice(i, i + 20));
    await until(
      () => busA1.deliveries.length + busA2.deliveries.length === 200 && busB.deliveries.length === 200,
    );
    await delay(300);
    const shared = [...busA1.events, ...busA2.events].map((event) => event.id).sort();
    expect(shared).toEqual(events.map((event) => event.id).sort());
    expect(busB.events.map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect(busA1.deliveries.length).toBeGreaterThan(0);
    expect(busA2.deliveries.length).toBeGreaterThan(0);
  });

  it('keeps a saturated consumer reading: it never blocks on the empty retry stream while events wait', async () => {
    // With one slot free at a time, a read for one slot used to go to the streams in turn and block a whole
    // blockMs on the empty retry stream: 60 events took 15 BLOCKs (30 s). It now reads once both streams can get one.
    const transport = make({ maxInFlight: 4, blockMs: 2_000 });
    const bus = new FakeBus({ work: () => delay(20) });
    await transport.consume(bus.deliver, consumeAs('svc'));
    await transport.publish(Array.from({ length: 60 }, (_, i) => makeEvent('job.run', { i })));
    await until(() => bus.reports.length === 60, 10_000);
    expect(bus.maxInHand).toBeLessThanOrEqual(4);
  });

  it('acknowledges without delivering the types this process does not take', async () => {
    const transport = make();
    const bus = new FakeBus();
    await transport.consume(
      bus.deliver,
      consumeAs('svc', (type) => type.startsWith('user.')),
    );
    await transport.publish([makeEvent('audit.noise', {}), makeEvent('user.created', { id: 1 })]);
    await until(() => bus.deliveries.length === 1);
    await until(async () => (await transport.stats()).acked === 2);
    expect(bus.events[0].type).toBe('user.created');
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      expect(await redis.xpending(`${prefix}:{main}`, 'svc')).toEqual([0, null, null, null]);
    } finally {
      redis.disconnect();
    }
  });

  it('routes types to the channels of their patterns', async () => {
    const transport = make({ channels: [{ pattern: 'billing.**', channel: 'billing' }] });
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    await transport.publish([makeEvent('billing.invoice.paid', {}), makeEvent('user.created', {})]);
    await until(() => bus.deliveries.length === 2);
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      expect(await redis.xlen(`${prefix}:{billing}`)).toBe(1);
      expect(await redis.xlen(`${prefix}:{main}`)).toBe(1);
      expect(await redis.xrange(`${prefix}:{billing}`, '-', '+')).toEqual([
        [expect.any(String), ['type', 'billing.invoice.paid', 'body', expect.any(String)]],
      ]);
    } finally {
      redis.disconnect();
    }
    expect((await transport.stats()).lag).toEqual({ main: 0, billing: 0 });
  });

  it('keeps per-key order with partitions, handlers taking their time', async () => {
    const transport = make({
      partitions: 4,
      partitionKey: (event) => String((event.data as { key: string }).key),
    });
    const bus = new FakeBus({ work: () => delay(Math.random() * 3) });
    await transport.consume(bus.deliver, consumeAs('svc'));
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const events = Array.from({ length: 300 }, (_, i) =>
      makeEvent('item.changed', { key: keys[i % 6], seq: i }),
    );
    await transport.publish(events);
    await until(() => bus.deliveries.length === 300, 15_000);
    for (const key of keys) {
      const seqs = bus.events
        .map((event) => event.data as { key: string; seq: number })
        .filter((data) => data.key === key)
        .map((data) => data.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    expect(bus.maxInHand).toBeGreaterThan(1);
  });

  it('replays a window of held events marked replay, without moving the group', async () => {
    const transport = make();
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    await transport.publish([makeEvent('user.created', { n: 0 })]);
    await until(() => bus.deliveries.length === 1);
    // Clear of the first entry's millisecond, whatever the load (the window is in entry times).
    await delay(20);
    const from = new Date();
    await delay(20);
    await transport.publish([makeEvent('user.created', { n: 1 }), makeEvent('user.deleted', { n: 2 })]);
    await until(() => bus.deliveries.length === 3);
    const to = new Date();
    const replayed = new FakeBus();
    const result = await transport.replay!(
      { from, to, accepts: (type) => type === 'user.created' },
      replayed.deliver,
    );
    expect(result).toEqual({ delivered: 1 });
    expect(replayed.deliveries.map((d) => [d.replay, d.event.data])).toEqual([[true, { n: 1 }]]);
    expect(replayed.reports).toEqual([{ retried: [], deadLettered: [] }]);
    await transport.publish([makeEvent('user.created', { n: 3 })]);
    await until(() => bus.deliveries.length === 4);
    expect(bus.events.map((event) => event.data)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('skips handlers the dedupe window saw succeed on the same event', async () => {
    const transport = make({ dedupe: { windowMs: 60_000 } });
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    const event = makeEvent('user.created', { id: 7 });
    await transport.publish([event]);
    await until(() => bus.deliveries.length === 1);
    expect(bus.deliveries[0].done).toBeUndefined();
    await bus.deliveries[0].markDone!('Mailer.onUser');
    await transport.publish([event]);
    await until(() => bus.deliveries.length === 2);
    expect([...(bus.deliveries[1].done ?? [])]).toEqual(['Mailer.onUser']);
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      const ttl = await redis.pttl(`${prefix}:{main}:done:svc:${event.id}`);
      expect(ttl).toBeGreaterThan(50_000);
    } finally {
      redis.disconnect();
    }
  });
});
