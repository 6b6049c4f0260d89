import type { Type } from '@nestjs/common';
import { EventMetrics, EventsHealthIndicator, type BusEvent } from 'nestjs-event-bus';
import { InMemoryBroker, InMemoryTransport } from 'nestjs-event-bus/testing';
import { until } from '../support/wait';
import { OrderPlaced, startService, type ServiceInstance } from './fixtures/services.fixture';
import { SlowBilling } from './fixtures/slow-billing.fixture';
import { describeTransportConformance } from './transport-conformance';

describeTransportConformance('InMemory', () => {
  const broker = new InMemoryBroker();
  return {
    redeliveryAttempts: 3,
    transport: () => new InMemoryTransport({ broker, redelivery: { attempts: 3, delayMs: 20 } }),
  };
});

describe('InMemoryTransport at-least-once simulation', () => {
  const instances: ServiceInstance[] = [];
  afterEach(async () => {
    for (const instance of instances.splice(0).reverse()) await instance.close();
  });
  const start = async (service: string, transport: InMemoryTransport, listeners: Type[]) => {
    const instance = await startService(service, transport, listeners);
    instances.push(instance);
    return instance;
  };

  it('hands what a crashed consumer held to a peer after claimIdleMs', async () => {
    const broker = new InMemoryBroker();
    const options = { broker, claimIdleMs: 100, maxInFlight: 4 };
    const orders = await start('orders', new InMemoryTransport(options), []);
    const doomed = new InMemoryTransport(options);
    const first = await start('billing', doomed, [SlowBilling]);
    // The first instance takes entries and dies before settling them; the second joins afterwards.
    const ids = Array.from({ length: 4 }, (_, i) => orders.bus.emit(OrderPlaced, { orderId: `o-${i}` }).id);
    await until(() => first.recorder.by('billing.slow').length === 4);
    doomed.crash();
    const second = await start('billing', new InMemoryTransport(options), [SlowBilling]);
    await until(() => second.recorder.by('billing.slow').length === 4, 5000);
    expect(
      second.recorder
        .by('billing.slow')
        .map((s) => s.event.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect((await second.transport.stats!()).claimed).toBe(4);
  });

  it('dead-letters an entry delivered maxDeliveries times without being settled, without running it again', async () => {
    const broker = new InMemoryBroker();
    const options = { broker, claimIdleMs: 50, maxDeliveries: 2 };
    const orders = await start('orders', new InMemoryTransport(options), []);
    // Two instances in turn take the entry and die with it (a handler that kills its process).
    let event: BusEvent | undefined;
    for (let i = 0; i < 2; i++) {
      const transport = new InMemoryTransport(options);
      const victim = await start('billing', transport, [SlowBilling]);
      event ??= orders.bus.emit(OrderPlaced, { orderId: 'o-poison' });
      await until(() => victim.recorder.by('billing.slow').length === 1);
      transport.crash();
    }
    const survivor = await start('billing', new InMemoryTransport(options), [SlowBilling]);
    await until(() => survivor.bus.deadLetters().length === 1, 5000);
    const [letter] = survivor.bus.deadLetters();
    expect(letter).toMatchObject({ handler: '*', attempts: 2, event });
    expect(survivor.recorder.by('billing.slow')).toHaveLength(0);

    // Once the cause is fixed, replaying the letter runs every handler that takes the event from the transport.
    const result = await survivor.bus.replayDeadLetter(letter.id);
    expect(result).toMatchObject({ handled: 1, failed: [] });
    expect(survivor.recorder.by('billing.slow').map((s) => s.event.id)).toEqual([event!.id]);
    expect(survivor.bus.deadLetters()).toEqual([]);
  });

  it('never hands one consumer more than maxInFlight entries at once', async () => {
    const broker = new InMemoryBroker();
    const orders = await start('orders', new InMemoryTransport({ broker }), []);
    const billing = await start('billing', new InMemoryTransport({ broker, maxInFlight: 3 }), [SlowBilling]);
    const slow = billing.recorder;
    for (let i = 0; i < 20; i++) orders.bus.emit(OrderPlaced, { orderId: `o-${i}` });
    await until(() => slow.by('billing.slow').length === 20, 5000);
    await billing.bus.drain(5000);
    expect(billing.get(SlowBilling).peak).toBe(3);
  });

  it('reports the transport in metrics and health', async () => {
    const broker = new InMemoryBroker();
    const orders = await start('orders', new InMemoryTransport({ broker }), []);
    const billing = await startService('billing', new InMemoryTransport({ broker }), [SlowBilling], {
      metrics: true,
    });
    instances.push(billing);
    orders.bus.emit(OrderPlaced, { orderId: 'o-metrics' });
    await until(() => billing.recorder.by('billing.slow').length === 1);
    await billing.bus.drain(5000);

    const text = await billing.get(EventMetrics).metrics();
    expect(text).toContain('events_transport_entries_total{transport="in-memory",action="consumed"} 1');
    expect(text).toContain('events_transport_entries_total{transport="in-memory",action="acked"} 1');
    expect(text).toContain('events_transport_lag{transport="in-memory",channel="events"} 0');
    const health = await billing.get(EventsHealthIndicator).checkTransport();
    expect(health).toEqual({ transport: { status: 'up', transport: 'in-memory' } });
  });
});
