import { Redis } from 'ioredis';
import type { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { delay, until } from '../support/wait';
import { consumeAs, FakeBus, makeEvent, testTransport } from './support/transport-harness';

describe('RedisStreamsTransport: retention', () => {
  let prefix: string;
  let redis: Redis;
  let stream: string;
  const open: RedisStreamsTransport[] = [];

  beforeEach(() => {
    prefix = uniquePrefix('retention');
    stream = `${prefix}:{main}`;
    redis = new Redis(SHARED_REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
    redis.disconnect();
    await deletePrefix(prefix);
  });

  async function consuming(options: Parameters<typeof testTransport>[1]) {
    const made = testTransport(prefix, options);
    open.push(made.transport);
    const bus = new FakeBus();
    await made.transport.consume(bus.deliver, consumeAs('svc'));
    return { ...made, bus };
  }

  it('trims by age but never an entry a stopped group has not acknowledged', async () => {
    await redis.xgroup('CREATE', stream, 'stopped', '$', 'MKSTREAM');
    const { transport, bus } = await consuming({ retention: { maxAgeMs: 1, intervalMs: 50 } });
    const events = Array.from({ length: 60 }, (_, i) => makeEvent('metric.sampled', { i }));
    await transport.publish(events);
    await until(() => bus.reports.length === 60);
    await delay(300);
    expect(await redis.xlen(stream)).toBe(60);

    const read = (await redis.xreadgroup('GROUP', 'stopped', 'old', 'COUNT', 40, 'STREAMS', stream, '>')) as [
      string,
      [string, string[]][],
    ][];
    const ids = read[0][1].map(([id]) => id);
    await delay(300);
    expect(await redis.xlen(stream)).toBe(60);

    await redis.xack(stream, 'stopped', ...ids.slice(0, 25));
    await until(async () => (await redis.xlen(stream)) === 35, 5_000);
    await delay(300);
    expect(await redis.xlen(stream)).toBe(35);
    const [, claimed, gone] = (await redis.call(
      'XAUTOCLAIM',
      stream,
      'stopped',
      'late',
      0,
      '0-0',
      'COUNT',
      100,
    )) as [string, unknown[], string[]];
    expect(claimed).toHaveLength(15);
    expect(gone).toEqual([]);
    expect(transport.retentionStats()).toMatchObject({ trimmed: 25, trimmedByCap: 0, lostToTrim: 0 });
  });

  it('keeps young entries whatever the groups did', async () => {
    const { transport, bus } = await consuming({ retention: { maxAgeMs: 60_000, intervalMs: 50 } });
    await transport.publish(Array.from({ length: 10 }, (_, i) => makeEvent('metric.sampled', { i })));
    await until(() => bus.reports.length === 10);
    await delay(300);
    expect(await redis.xlen(stream)).toBe(10);
  });

  it('cuts past maxLength only as a safety valve, warning and counting', async () => {
    await redis.xgroup('CREATE', stream, 'stopped', '$', 'MKSTREAM');
    const { transport, logger } = await consuming({ retention: { maxLength: 20, intervalMs: 50 } });
    // The cap may cut entries even before svc read them: that is what a safety valve does.
    await transport.publish(Array.from({ length: 50 }, (_, i) => makeEvent('metric.sampled', { i })));
    await until(async () => (await redis.xlen(stream)) === 20, 5_000);
    await until(() => transport.retentionStats().trimmedByCap === 30);
    expect(logger.has(/Cut \d+ entries .* past retention.maxLength 20, acknowledged or not/)).toBe(true);
  });

  it('lets one instance trim at a time (the trim lock)', async () => {
    // The lock lives three intervals (900 ms): an event-loop stall shorter than that does not hand it over.
    const a = await consuming({ retention: { maxAgeMs: 1, intervalMs: 300 } });
    const b = await consuming({ retention: { maxAgeMs: 1, intervalMs: 300 } });
    await a.transport.publish(Array.from({ length: 30 }, (_, i) => makeEvent('metric.sampled', { i })));
    await until(() => a.bus.reports.length + b.bus.reports.length === 30);
    await until(async () => (await redis.xlen(stream)) === 0, 5_000);
    const holder = await redis.get(`${stream}:trim-lock`);
    expect([a.transport.consumerName, b.transport.consumerName]).toContain(holder);
    const trimmedBy = [a, b].filter((made) => made.transport.retentionStats().trimmed > 0);
    expect(trimmedBy).toHaveLength(1);
  });
});
