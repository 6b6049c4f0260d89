import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { EventsConfigError } from 'nestjs-event-bus';
import { openTelemetry, TRACE_ATTRIBUTES as ATTR, TRACE_EVENTS } from 'nestjs-event-bus/otel';
import { parentOf, registerGlobally, spanRecorder } from '../support/otel';
import { tracedApp, type TracedApp } from './fixtures/otel-app';

class QuoteError extends Error {
  override name = 'QuoteError';
}

const recorder = spanRecorder();
registerGlobally(recorder);
const tracer = trace.getTracer('test');

/** The attempts of `handler`, in order. */
function attemptsOf(handler: string): ReadableSpan[] {
  return recorder
    .spans()
    .filter((span) => span.attributes[ATTR.handler] === handler)
    .sort((a, b) => Number(a.attributes[ATTR.attempt]) - Number(b.attributes[ATTR.attempt]));
}

describe('OpenTelemetry spans of events handled in the process that emits them', () => {
  let app: TracedApp;

  beforeEach(async () => {
    recorder.exporter.reset();
    app = await tracedApp('shop', openTelemetry());
  });
  afterEach(() => app.close());

  it('makes a create span per emit, a process span per handler attempt under it, and nests the handler’s own spans', async () => {
    const { bus } = app;
    bus.on('order.placed', () => tracer.startActiveSpan('db.insert', (span) => span.end()), {
      name: 'orders.save',
    });
    bus.on(
      'order.placed',
      async () => {
        await new Promise((resolve) => setImmediate(resolve));
        await tracer.startActiveSpan('http.notify', async (span) => span.end());
      },
      { name: 'orders.notify' },
    );

    const event = tracer.startActiveSpan('request', (request) => {
      const emitted = bus.emit('order.placed', { orderId: 'o-1' }, { correlationId: 'req-1' });
      request.end();
      return emitted;
    });
    await bus.drain();

    const [request] = recorder.named('request');
    const [create] = recorder.named('create order.placed');
    expect(create.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(create)).toBe(request.spanContext().spanId);
    expect(create.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(create.attributes).toEqual({
      [ATTR.system]: 'nestjs-event-bus',
      [ATTR.operationName]: 'create',
      [ATTR.operationType]: 'create',
      [ATTR.destination]: 'order.placed',
      [ATTR.messageId]: event.id,
      [ATTR.conversationId]: 'req-1',
      [ATTR.eventType]: 'order.placed',
      [ATTR.eventSource]: 'shop',
    });

    const processes = recorder.named('process order.placed');
    expect(processes).toHaveLength(2);
    for (const span of processes) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(span)).toBe(create.spanContext().spanId);
      expect(span.attributes).toMatchObject({
        [ATTR.operationName]: 'process',
        [ATTR.operationType]: 'process',
        [ATTR.messageId]: event.id,
        [ATTR.conversationId]: 'req-1',
        [ATTR.attempt]: 1,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    const [save] = attemptsOf('orders.save');
    const [notify] = attemptsOf('orders.notify');
    expect(parentOf(recorder.named('db.insert')[0])).toBe(save.spanContext().spanId);
    expect(parentOf(recorder.named('http.notify')[0])).toBe(notify.spanContext().spanId);
  });

  it('records errors on the failed attempts, with retries and the dead letter as span events', async () => {
    const { bus } = app;
    let flaky = 0;
    bus.on(
      'price.quoted',
      () => {
        if (++flaky < 3) throw new QuoteError(`try ${flaky} failed`);
      },
      { name: 'prices.flaky', retry: { attempts: 3, backoffMs: 1, jitter: 0 } },
    );
    bus.on(
      'price.quoted',
      async () => {
        throw new QuoteError('never');
      },
      { name: 'prices.broken', retry: { attempts: 2, backoffMs: 1, jitter: 0 } },
    );

    bus.emit('price.quoted', { sku: 'a' });
    await bus.drain();

    const flakyAttempts = attemptsOf('prices.flaky');
    expect(flakyAttempts.map((span) => span.attributes[ATTR.attempt])).toEqual([1, 2, 3]);
    for (const [i, span] of flakyAttempts.slice(0, 2).entries()) {
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: `try ${i + 1} failed` });
      expect(span.attributes[ATTR.errorType]).toBe('QuoteError');
      expect(span.events.map((e) => e.name)).toEqual(['exception', TRACE_EVENTS.retry]);
      expect(span.events[1].attributes).toEqual({
        [ATTR.attempt]: i + 2,
        [ATTR.retryDelayMs]: i === 0 ? 1 : 2,
      });
    }
    expect(flakyAttempts[2].status.code).toBe(SpanStatusCode.UNSET);
    expect(flakyAttempts[2].events).toEqual([]);

    const brokenAttempts = attemptsOf('prices.broken');
    expect(brokenAttempts).toHaveLength(2);
    const [letter] = bus.deadLetters();
    const last = brokenAttempts[1];
    expect(last.status.code).toBe(SpanStatusCode.ERROR);
    expect(last.events.map((e) => e.name)).toEqual(['exception', TRACE_EVENTS.deadLetter]);
    expect(last.events[1].attributes).toEqual({ [ATTR.deadLetterId]: letter.id, [ATTR.attempt]: 2 });
    // Every attempt, retries included, hangs off the event's create span.
    const [create] = recorder.named('create price.quoted');
    for (const span of [...flakyAttempts, ...brokenAttempts]) {
      expect(parentOf(span)).toBe(create.spanContext().spanId);
    }
    // The announcement of the dead letter is an event of the same story.
    const [announced] = recorder.named('create event.handler.failed');
    expect(announced.spanContext().traceId).toBe(create.spanContext().traceId);
  });

  it('traces emitAsync() the same way, the create span ending once the handlers are started', async () => {
    const { bus } = app;
    bus.on('report.built', async () => tracer.startActiveSpan('render', (span) => span.end()), {
      name: 'reports.render',
    });
    const result = await bus.emitAsync('report.built', { id: 'r-1' });
    expect(result.handled).toBe(1);
    const [create] = recorder.named('create report.built');
    const [attempt] = attemptsOf('reports.render');
    expect(parentOf(attempt)).toBe(create.spanContext().spanId);
    expect(parentOf(recorder.named('render')[0])).toBe(attempt.spanContext().spanId);
  });

  it('refuses a malformed option', () => {
    expect(() => openTelemetry({ links: 'parent' as never })).toThrow(EventsConfigError);
    expect(() => openTelemetry({ tracerName: '' })).toThrow(EventsConfigError);
    expect(() => openTelemetry({ tracer: 'x' } as never)).toThrow(/openTelemetry\(\)\.tracer/);
    return expect(tracedApp('bad', {} as never)).rejects.toThrow(/telemetry/);
  });
});

describe('two apps in one process, each with a tracer provider of its own', () => {
  it('send each app’s spans to its own provider only', async () => {
    const mine = spanRecorder();
    const theirs = spanRecorder();
    const a = await tracedApp('a', openTelemetry({ tracerProvider: mine.provider }));
    const b = await tracedApp('b', openTelemetry({ tracerProvider: theirs.provider, tracerName: 'b' }));
    try {
      a.bus.on('ping', () => undefined);
      b.bus.on('pong', () => undefined);
      a.bus.emit('ping', {});
      b.bus.emit('pong', {});
      const names = (recorder: typeof mine) =>
        recorder
          .spans()
          .map((span) => span.name)
          .filter((name) => !name.startsWith('create system.'));
      expect(names(mine)).toEqual(['process ping', 'create ping']);
      expect(names(theirs)).toEqual(['process pong', 'create pong']);
      expect(theirs.spans()[0].instrumentationScope.name).toBe('b');
      expect(mine.spans()[0].instrumentationScope.name).toBe('nestjs-event-bus');
    } finally {
      await a.close();
      await b.close();
      await mine.shutdown();
      await theirs.shutdown();
    }
  });
});
