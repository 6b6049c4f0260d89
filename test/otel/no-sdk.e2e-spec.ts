import { trace } from '@opentelemetry/api';
import type { InboundDelivery } from 'nestjs-event-bus';
import { openTelemetry } from 'nestjs-event-bus/otel';
import { InMemoryBroker, InMemoryTransport } from 'nestjs-event-bus/testing';
import { registerGlobally, spanRecorder } from '../support/otel';
import { until } from '../support/wait';
import { tracedApp, type TracedApp } from './fixtures/otel-app';

/** An InMemoryTransport that keeps the deliveries it hands to the bus. */
class WatchedTransport extends InMemoryTransport {
  readonly deliveries: InboundDelivery[] = [];
  override async consume(...[deliver, options]: Parameters<InMemoryTransport['consume']>): Promise<void> {
    return super.consume((delivery) => {
      this.deliveries.push(delivery);
      return deliver(delivery);
    }, options);
  }
}

// No SDK is registered in this file until the last test: the API is loaded and the telemetry option is on.
describe('openTelemetry() without an SDK registered', () => {
  let broker: InMemoryBroker;
  let consumer: WatchedTransport;
  let apps: TracedApp[];
  let orders: TracedApp;
  let billing: TracedApp;
  const seen: { id: string; activeSpan: boolean }[] = [];

  beforeAll(async () => {
    broker = new InMemoryBroker();
    consumer = new WatchedTransport({ broker, redelivery: { attempts: 2, delayMs: 5 } });
    orders = await tracedApp('orders', openTelemetry(), new InMemoryTransport({ broker }), ['order.*']);
    billing = await tracedApp('billing', openTelemetry(), consumer, ['order.*']);
    apps = [orders, billing];
    billing.bus.on('order.placed', (event) => {
      seen.push({ id: event.id, activeSpan: trace.getActiveSpan() !== undefined });
      if ((event.data as { fail?: boolean }).fail) throw new Error('fails');
    });
    orders.bus.on('cart.viewed', async () => undefined, { retry: { attempts: 2, backoffMs: 1 } });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('makes no span and sends no trace context, and every part of the bus works as without it', async () => {
    const placed = orders.bus.emit('order.placed', { orderId: 'o-1' });
    const failing = orders.bus.emit('order.placed', { orderId: 'o-2', fail: true });
    const result = await orders.bus.emitAsync('cart.viewed', { cartId: 'c-1' });
    expect(result.handled).toBe(1);
    await until(() => billing.bus.deadLetters().length === 1);

    expect(seen.map((s) => s.id)).toEqual([placed.id, failing.id, failing.id]);
    expect(seen.every((s) => !s.activeSpan)).toBe(true);
    expect(broker.log.map((entry) => Object.keys(entry.encoded.headers))).toEqual([
      expect.not.arrayContaining(['traceparent']),
      expect.not.arrayContaining(['traceparent']),
    ]);
    expect(consumer.deliveries.map((delivery) => delivery.trace)).toEqual([undefined, undefined, undefined]);
  });

  it('starts recording once an SDK registers, without restarting the app', async () => {
    const recorder = spanRecorder();
    registerGlobally(recorder);
    const event = orders.bus.emit('order.placed', { orderId: 'o-3' });
    await until(() => seen.some((s) => s.id === event.id));
    await billing.bus.drain();
    expect(seen.find((s) => s.id === event.id)!.activeSpan).toBe(true);
    expect(recorder.named('create order.placed')).toHaveLength(1);
    expect(consumer.deliveries.at(-1)!.trace?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
