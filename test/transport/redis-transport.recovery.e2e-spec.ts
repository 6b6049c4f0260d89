import { Redis } from 'ioredis';
import type { InboundDelivery } from '../../libs/events/src/bus/ports/event-transport.port';
import type { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { delay, until } from '../support/wait';
import { consumeAs, FakeBus, failure, makeEvent, testTransport } from './support/transport-harness';

describe('RedisStreamsTransport: retries, dead letters and recovery', () => {
  let prefix: string;
  let redis: Redis;
  const open: RedisStreamsTransport[] = [];
  const make = (options: Parameters<typeof testTransport>[1] = {}) => {
    const made = testTransport(prefix, options);
    open.push(made.transport);
    return made;
  };
  const pending = async (group = 'svc') => (await redis.xpending(`${prefix}:{main}`, group))[0];

  beforeEach(() => {
    prefix = uniquePrefix('recovery');
    redis = new Redis(SHARED_REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
    redis.disconnect();
    await deletePrefix(prefix);
  });

  it('retries a failed handler durably with backoff, then dead-letters it; the original is acknowledged', async () => {
    const { transport } = make({ redelivery: { attempts: 3, delayMs: 150, factor: 2 } });
    const times: number[] = [];
    const bus = new FakeBus({
      failures: (delivery) => {
        times.push(Date.now());
        return delivery.handlers === undefined
          ? [failure('Mailer.send', 'smtp down', 2)]
          : delivery.handlers.map((handler) => failure(handler, 'still down', 2));
      },
    });
    await transport.consume(bus.deliver, consumeAs('svc'));
    const event = makeEvent('user.created', { id: 1 });
    await transport.publish([event]);
    await until(() => bus.reports.length === 3, 10_000);
    expect(bus.deliveries.map((d) => [d.attempt, d.handlers])).toEqual([
      [1, undefined],
      [2, ['Mailer.send']],
      [3, ['Mailer.send']],
    ]);
    expect(bus.deliveries.every((d) => d.event.id === event.id)).toBe(true);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(140);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(290);
    expect(bus.reports[0]).toEqual({
      retried: [{ handler: 'Mailer.send', attempt: 2, delayMs: 150 }],
      deadLettered: [],
    });
    const letter = bus.reports[2].deadLettered[0];
    expect(letter).toMatchObject({ handler: 'Mailer.send', attempts: 6, error: { message: 'still down' } });
    expect(JSON.stringify(letter.event)).toBe(JSON.stringify(event));
    expect(await pending()).toBe(0);
    expect(await redis.xlen(`${prefix}:{main}:retries:svc`)).toBe(0);
    expect(await redis.zcard(`${prefix}:{main}:schedule:svc`)).toBe(0);
    expect(await redis.xlen(`${prefix}:{main}:dlq:svc`)).toBe(1);
    expect(transport.deadLetters.list().map((l) => l.id)).toEqual([letter.id]);
    expect(await transport.stats()).toMatchObject({ retried: 2, deadLettered: 1, acked: 3 });

    const { transport: peer } = make();
    await peer.consume(new FakeBus().deliver, consumeAs('svc'));
    expect(peer.deadLetters.get(letter.id)).toMatchObject({ handler: 'Mailer.send', attempts: 6 });
    peer.deadLetters.remove(letter.id);
    await until(async () => (await redis.xlen(`${prefix}:{main}:dlq:svc`)) === 0);
    await transport.deadLetters.refresh();
    expect(transport.deadLetters.list()).toEqual([]);
  });

  it('dead-letters an entry delivered more than maxDeliveries times without running it again', async () => {
    const { transport, logger } = make({ claimIdleMs: 200, maxDeliveries: 2 });
    const bus = new FakeBus({ noSettle: true });
    await transport.consume(bus.deliver, consumeAs('svc'));
    await transport.publish([makeEvent('job.poison', { kill: true })]);
    await until(async () => (await redis.xlen(`${prefix}:{main}:dlq:svc`)) === 1, 10_000);
    expect(bus.deliveries.length).toBe(2);
    expect(await pending()).toBe(0);
    expect(transport.deadLetters.list()).toEqual([
      expect.objectContaining({
        handler: '*',
        attempts: 3,
        error: expect.objectContaining({ name: 'MaxDeliveriesExceeded' }),
      }),
    ]);
    expect(logger.has(/delivered 3 times without settling/)).toBe(true);
  });

  it("claims a dead consumer's entries once they are idle past claimIdleMs", async () => {
    const { transport: publisher } = make();
    await redis.xgroup('CREATE', `${prefix}:{main}`, 'svc', '$', 'MKSTREAM');
    await publisher.publish([makeEvent('order.placed', { n: 1 }), makeEvent('order.placed', { n: 2 })]);
    // Before the read: Redis counts the entries' idle time from it.
    const started = Date.now();
    await redis.xreadgroup('GROUP', 'svc', 'dead-consumer', 'COUNT', 10, 'STREAMS', `${prefix}:{main}`, '>');
    const { transport, logger } = make({ claimIdleMs: 300 });
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    await until(() => bus.reports.length === 2, 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(bus.events.map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await pending()).toBe(0);
    expect((await transport.stats()).claimed).toBe(2);
    expect(logger.has(/Claimed 2 entries .* idle over 300 ms/)).toBe(true);
  });

  it('does not let a peer claim a slow delivery: the heartbeat keeps it', async () => {
    // Two and a half claimIdleMs of work; the heartbeat every third of it leaves room for event-loop lag.
    const slow = new FakeBus({ work: () => delay(2_500) });
    const { transport: a } = make({ claimIdleMs: 1_000 });
    await a.consume(slow.deliver, consumeAs('svc'));
    await a.publish([makeEvent('report.build', { n: 1 }), makeEvent('report.build', { n: 2 })]);
    await until(() => slow.deliveries.length === 2);
    const peer = new FakeBus();
    const { transport: b } = make({ claimIdleMs: 1_000 });
    await b.consume(peer.deliver, consumeAs('svc'));
    await until(() => slow.reports.length === 2, 10_000);
    await delay(400);
    expect(peer.deliveries).toEqual([]);
    expect((await b.stats()).claimed).toBe(0);
    expect(await pending()).toBe(0);
  });

  it('never holds more than maxInFlight deliveries', async () => {
    const { transport } = make({ maxInFlight: 4 });
    const bus = new FakeBus({ work: () => delay(5) });
    const samples: number[] = [];
    await transport.consume(bus.deliver, consumeAs('svc'));
    await transport.publish(Array.from({ length: 120 }, (_, i) => makeEvent('tick.tock', { i })));
    await until(async () => {
      samples.push((await transport.stats()).inFlight);
      return bus.reports.length === 120;
    }, 15_000);
    expect(bus.maxInHand).toBeLessThanOrEqual(4);
    expect(bus.maxInHand).toBeGreaterThan(1);
    expect(Math.max(...samples)).toBeLessThanOrEqual(4);
  });

  it('runs claimed and read entries within the same maxInFlight', async () => {
    const { transport: publisher } = make();
    await redis.xgroup('CREATE', `${prefix}:{main}`, 'svc', '$', 'MKSTREAM');
    await publisher.publish(Array.from({ length: 10 }, (_, i) => makeEvent('job.run', { i })));
    await redis.xreadgroup('GROUP', 'svc', 'dead-consumer', 'COUNT', 10, 'STREAMS', `${prefix}:{main}`, '>');
    const { transport } = make({ claimIdleMs: 100, maxInFlight: 3 });
    const bus = new FakeBus({ work: () => delay(20) });
    await transport.consume(bus.deliver, consumeAs('svc'));
    await publisher.publish(Array.from({ length: 20 }, (_, i) => makeEvent('job.run', { i: 10 + i })));
    await until(() => bus.reports.length === 30, 15_000);
    expect(bus.maxInHand).toBeLessThanOrEqual(3);
    expect((await transport.stats()).claimed).toBe(10);
  });

  it('deletes consumers that hold nothing and have been idle long', async () => {
    await redis.xgroup('CREATE', `${prefix}:{main}`, 'svc', '$', 'MKSTREAM');
    await redis.xgroup('CREATECONSUMER', `${prefix}:{main}`, 'svc', 'ghost');
    const { transport, logger } = make({ claimIdleMs: 100 });
    await transport.consume(new FakeBus().deliver, consumeAs('svc'));
    await until(() => logger.has(/Deleted consumer ghost of group svc/), 8_000);
    const consumers = (await redis.xinfo('CONSUMERS', `${prefix}:{main}`, 'svc')) as unknown[][];
    expect(consumers.map((row) => row[1])).not.toContain('ghost');
  });

  it('on close hands back unfinished deliveries, which a peer takes at once', async () => {
    const release: (() => void)[] = [];
    const stuck = new FakeBus({
      work: (delivery: InboundDelivery) =>
        (delivery.event.data as { n: number }).n === 0
          ? Promise.resolve()
          : new Promise((r) => release.push(r)),
    });
    const { transport: a, logger } = make({ claimIdleMs: 60_000, shutdownTimeoutMs: 300 });
    await a.consume(stuck.deliver, consumeAs('svc'));
    await a.publish(Array.from({ length: 4 }, (_, n) => makeEvent('video.encode', { n })));
    await until(() => stuck.deliveries.length === 4 && stuck.reports.length === 1);
    const peer = new FakeBus();
    const { transport: b } = make({ claimIdleMs: 60_000 });
    await b.consume(peer.deliver, consumeAs('svc'));
    const closed = Date.now();
    await a.close();
    expect(logger.has(/Handed back 3 unfinished entries/)).toBe(true);
    await until(() => peer.reports.length === 3, 5_000);
    expect(Date.now() - closed).toBeLessThan(5_000);
    expect(peer.events.map((event) => (event.data as { n: number }).n).sort()).toEqual([1, 2, 3]);
    for (const wake of release) wake();
    await delay(50);
    expect(stuck.reports.slice(1)).toEqual([
      { retried: [], deadLettered: [] },
      { retried: [], deadLettered: [] },
      { retried: [], deadLettered: [] },
    ]);
    expect(await pending()).toBe(0);
    // b held nothing when it closed: it left the group. a owned what it handed back when it closed: it left
    // too if a peer had claimed that already, else it stays listed, holding nothing, until a peer's sweep.
    await b.close();
    const consumers = (await redis.xinfo('CONSUMERS', `${prefix}:{main}`, 'svc')) as unknown[][];
    expect(consumers.map((row) => row[1])).not.toContain(b.consumerName);
    expect(consumers.filter((row) => row[1] !== a.consumerName || row[3] !== 0)).toEqual([]);
  });
});
