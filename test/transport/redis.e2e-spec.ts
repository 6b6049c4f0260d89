import { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { until } from '../support/wait';
import {
  BillingListeners,
  OrderPlaced,
  startService,
  type ServiceInstance,
} from './fixtures/services.fixture';
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

describe('Redis Streams dedupe window, through the bus', () => {
  const prefix = uniquePrefix('dedupe');
  const running: ServiceInstance[] = [];
  afterAll(async () => {
    for (const instance of running.reverse()) await instance.close();
    await deletePrefix(prefix);
  });

  it('runs each handler once per event id even when the same event arrives twice', async () => {
    const transport = (dedupe: boolean) =>
      new RedisStreamsTransport({
        connection: SHARED_REDIS_URL,
        prefix,
        blockMs: 100,
        dedupe: dedupe ? { windowMs: 60_000 } : false,
        logger: new LineLogger(),
      });
    const orders = await startService('orders', transport(false), []);
    const billing = await startService('billing', transport(true), [BillingListeners]);
    running.push(orders, billing);

    const event = orders.bus.emit(OrderPlaced, { orderId: 'o-twice' });
    await until(() => billing.recorder.by('billing.audit').length === 1, 10_000);
    // The same event again, as a publisher that retried after a lost reply would send it.
    await orders.transport.publish([event]);
    const marker = orders.bus.emit(OrderPlaced, { orderId: 'o-after' });
    await until(() => billing.recorder.by('billing.audit').some((s) => s.event.id === marker.id), 10_000);
    await billing.bus.drain(10_000);

    expect(billing.recorder.by('billing.audit').map((s) => s.event.id)).toEqual([event.id, marker.id]);
    expect(billing.recorder.by('billing.invoice').map((s) => s.event.id)).toEqual([event.id, marker.id]);
  });
});
