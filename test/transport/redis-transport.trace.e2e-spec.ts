import { Redis } from 'ioredis';
import type { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { until } from '../support/wait';
import { consumeAs, failure, FakeBus, makeEvent, testTransport } from './support/transport-harness';

const TRACE = {
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'vendor=a=b,other=1',
};

describe('RedisStreamsTransport: trace context beside the event', () => {
  let prefix: string;
  const open: RedisStreamsTransport[] = [];
  const make = (options: Parameters<typeof testTransport>[1] = {}) => {
    const made = testTransport(prefix, options);
    open.push(made.transport);
    return made.transport;
  };

  beforeEach(() => {
    prefix = uniquePrefix('trace');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
    await deletePrefix(prefix);
  });

  it('hands back each event’s traceparent and tracestate, and none for an event published without', async () => {
    const transport = make();
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    const events = [makeEvent('a.traced', {}), makeEvent('b.plain', {}), makeEvent('c.parent', {})];
    await transport.publish(events, [TRACE, undefined, { traceparent: TRACE.traceparent }]);
    await transport.publish([makeEvent('d.old', {})]);
    await until(() => bus.deliveries.length === 4);
    expect(bus.deliveries.map((delivery) => [delivery.event.type, delivery.trace])).toEqual([
      ['a.traced', TRACE],
      ['b.plain', undefined],
      ['c.parent', { traceparent: TRACE.traceparent }],
      ['d.old', undefined],
    ]);
  });

  it('keeps it on durable retries (through the retry schedule) and on claimed entries', async () => {
    const transport = make({ redelivery: { attempts: 2, delayMs: 20 } });
    const bus = new FakeBus({
      failures: (delivery) => (delivery.attempt === 1 ? [failure('Ledger.write')] : []),
    });
    await transport.consume(bus.deliver, consumeAs('svc'));
    await transport.publish(
      [makeEvent('order.placed', {}), makeEvent('order.placed', {})],
      [TRACE, undefined],
    );
    await until(() => bus.reports.length === 4, 10_000);
    const retries = bus.deliveries.filter((delivery) => delivery.attempt === 2);
    expect(retries.map((delivery) => delivery.trace).sort()).toEqual([TRACE, undefined]);

    // A consumer that died with the entry in hand: a peer claims it, trace context and all.
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      await redis.xgroup('CREATE', `${prefix}:{main}`, 'claims', '$', 'MKSTREAM');
      await transport.publish([makeEvent('job.started', {})], [TRACE]);
      await redis.xreadgroup(
        'GROUP',
        'claims',
        'dead-consumer',
        'COUNT',
        10,
        'STREAMS',
        `${prefix}:{main}`,
        '>',
      );
    } finally {
      redis.disconnect();
    }
    const peer = make({ claimIdleMs: 200 });
    const claimed = new FakeBus();
    await peer.consume(claimed.deliver, consumeAs('claims'));
    await until(() => claimed.deliveries.length === 1, 10_000);
    expect((await peer.stats()).claimed).toBe(1);
    expect(claimed.deliveries[0].trace).toEqual(TRACE);
  });
});
