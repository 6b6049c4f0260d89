import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { openTelemetry, TRACE_ATTRIBUTES as ATTR, TRACE_EVENTS } from 'nestjs-event-bus/otel';
import { InMemoryBroker, InMemoryTransport } from 'nestjs-event-bus/testing';
import { parentOf, registerGlobally, spanRecorder } from '../support/otel';
import { until } from '../support/wait';
import { tracedApp, type TracedApp } from './fixtures/otel-app';

const recorder = spanRecorder();
registerGlobally(recorder);
const tracer = trace.getTracer('test');

/** The consumer `process` spans of deliveries (handler attempts carry a handler name). */
function deliveries(type: string): ReadableSpan[] {
  return recorder
    .named(`process ${type}`)
    .filter((span) => span.kind === SpanKind.CONSUMER)
    .sort((a, b) => Number(a.attributes[ATTR.deliveryAttempt]) - Number(b.attributes[ATTR.deliveryAttempt]));
}

describe('OpenTelemetry spans across services on the InMemoryTransport', () => {
  let broker: InMemoryBroker;
  let apps: TracedApp[];

  const start = async (source: string, links?: 'link-only') => {
    const transport = new InMemoryTransport({ broker, redelivery: { attempts: 2, delayMs: 5 } });
    const app = await tracedApp(source, openTelemetry(links ? { links } : {}), transport, ['order.*']);
    apps.push(app);
    return app;
  };

  beforeEach(() => {
    recorder.exporter.reset();
    broker = new InMemoryBroker();
    apps = [];
  });
  afterEach(async () => {
    for (const app of apps) await app.close();
  });

  it('sends the creation context with the event; the consumer span is its child and links to it', async () => {
    const orders = await start('orders');
    const billing = await start('billing');
    let handled = false;
    billing.bus.on(
      'order.placed',
      () => {
        tracer.startActiveSpan('billing.db', (span) => span.end());
        handled = true;
      },
      { name: 'billing.invoice' },
    );

    const event = tracer.startActiveSpan('request', (request) => {
      const emitted = orders.bus.emit('order.placed', { orderId: 'o-1' }, { correlationId: 'req-1' });
      request.end();
      return emitted;
    });
    await until(() => handled);
    await billing.bus.drain();
    await orders.bus.drain();

    const [request] = recorder.named('request');
    const [create] = recorder.named('create order.placed');
    const created = create.spanContext();
    expect(parentOf(create)).toBe(request.spanContext().spanId);
    // The creation context crossed beside the event's JSON, as W3C trace context.
    expect(broker.log[0].encoded.headers.traceparent).toBe(`00-${created.traceId}-${created.spanId}-01`);

    const [send] = recorder.named('send order.placed');
    expect(send.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(send)).toBe(created.spanId);
    expect(send.links.map((link) => link.context.spanId)).toEqual([created.spanId]);
    expect(send.attributes).toMatchObject({
      [ATTR.operationName]: 'send',
      [ATTR.operationType]: 'send',
      [ATTR.destination]: 'order.placed',
      [ATTR.messageId]: event.id,
    });

    const [delivery] = deliveries('order.placed');
    expect(delivery.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(parentOf(delivery)).toBe(created.spanId);
    expect(delivery.links.map((link) => link.context.spanId)).toEqual([created.spanId]);
    expect(delivery.attributes).toEqual({
      [ATTR.system]: 'nestjs-event-bus',
      [ATTR.operationName]: 'process',
      [ATTR.operationType]: 'process',
      [ATTR.destination]: 'order.placed',
      [ATTR.messageId]: event.id,
      [ATTR.conversationId]: 'req-1',
      [ATTR.eventType]: 'order.placed',
      [ATTR.eventSource]: 'orders',
      [ATTR.consumerGroup]: 'billing',
      [ATTR.deliveryAttempt]: 1,
    });
    const [attempt] = recorder.spans().filter((span) => span.attributes[ATTR.handler] === 'billing.invoice');
    expect(attempt.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(attempt)).toBe(delivery.spanContext().spanId);
    expect(parentOf(recorder.named('billing.db')[0])).toBe(attempt.spanContext().spanId);
  });

  it('keeps the creation context on durable retries, and shows the retry and the dead letter on the deliveries', async () => {
    const orders = await start('orders');
    const billing = await start('billing');
    billing.bus.on(
      'order.placed',
      () => {
        throw new TypeError('no invoice');
      },
      { name: 'billing.invoice' },
    );

    orders.bus.emit('order.placed', { orderId: 'o-2' });
    await until(() => billing.bus.deadLetters().length === 1);
    await until(() => deliveries('order.placed').length === 2);

    const created = recorder.named('create order.placed')[0].spanContext();
    const [first, second] = deliveries('order.placed');
    for (const delivery of [first, second]) {
      expect(parentOf(delivery)).toBe(created.spanId);
      expect(delivery.links.map((link) => link.context.spanId)).toEqual([created.spanId]);
      expect(delivery.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(first.attributes[ATTR.deliveryAttempt]).toBe(1);
    expect(first.events.map((e) => [e.name, e.attributes])).toEqual([
      [TRACE_EVENTS.retry, { [ATTR.handler]: 'billing.invoice', [ATTR.attempt]: 2, [ATTR.retryDelayMs]: 5 }],
    ]);
    expect(second.attributes[ATTR.deliveryAttempt]).toBe(2);
    const [letter] = billing.bus.deadLetters();
    expect(second.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        TRACE_EVENTS.deadLetter,
        { [ATTR.handler]: 'billing.invoice', [ATTR.deadLetterId]: letter.id, [ATTR.attempt]: 2 },
      ],
    ]);
    expect(second.attributes[ATTR.errorType]).toBe('TypeError');
    // Each attempt records its error; what follows is the transport's to say, on the delivery.
    const attempts = recorder.spans().filter((span) => span.attributes[ATTR.handler] === 'billing.invoice');
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.attributes[ATTR.errorType]).toBe('TypeError');
      expect(attempt.events.map((e) => e.name)).toEqual(['exception']);
    }
  });

  it('with links only, starts a new trace per delivery, linked to the creation context', async () => {
    const orders = await start('orders');
    const billing = await start('billing', 'link-only');
    let handled = false;
    billing.bus.on('order.placed', () => void (handled = true), { name: 'billing.invoice' });

    orders.bus.emit('order.placed', { orderId: 'o-3' }, { correlationId: 'req-3' });
    await until(() => handled);
    await billing.bus.drain();

    const created = recorder.named('create order.placed')[0].spanContext();
    const [delivery] = deliveries('order.placed');
    expect(parentOf(delivery)).toBeUndefined();
    expect(delivery.spanContext().traceId).not.toBe(created.traceId);
    expect(delivery.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId: created.traceId, spanId: created.spanId, isRemote: true }),
    ]);
    // The correlation id joins the traces of one story.
    expect(delivery.attributes[ATTR.conversationId]).toBe('req-3');
  });

  it('parents a replayed delivery on whoever asked for the replay, linked to the creation context', async () => {
    const orders = await start('orders');
    const billing = await start('billing');
    const seen: string[] = [];
    billing.bus.on('order.placed', (event) => void seen.push(event.id), { name: 'billing.invoice' });
    const from = new Date(Date.now() - 1000);
    orders.bus.emit('order.placed', { orderId: 'o-4' });
    await until(() => seen.length === 1);

    await tracer.startActiveSpan('admin.replay', async (span) => {
      await billing.bus.replay({ from });
      span.end();
    });

    const created = recorder.named('create order.placed')[0].spanContext();
    const replayed = deliveries('order.placed').find((span) => span.attributes[ATTR.replay] === true)!;
    expect(parentOf(replayed)).toBe(recorder.named('admin.replay')[0].spanContext().spanId);
    expect(replayed.links.map((link) => link.context.spanId)).toEqual([created.spanId]);
  });
});
