import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { EventsModule, type EventTrace, type TraceEvent, type TraceHandler } from 'nestjs-event-bus';
import { until } from '../support/wait';
import { READER, ReaderGuard, startTwoServices, type TwoServices } from './support/two-services';

function flatten(nodes: TraceEvent[]): TraceEvent[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

function handler(trace: EventTrace, type: string, name: string): TraceHandler | undefined {
  return flatten(trace.roots)
    .find((event) => event.type === type)
    ?.handlers.find((h) => h.handler === name);
}

/** The story once the worker's part is in: the receipt mailed and shipping's dead letter recorded. */
async function wholeStory(services: TwoServices, correlationId: string): Promise<EventTrace> {
  let trace!: EventTrace;
  await until(async () => {
    trace = await services.traces.trace(correlationId);
    return (
      handler(trace, 'payment.captured', 'Mailer.receipt')?.outcome === 'success' &&
      handler(trace, 'order.placed', 'Shipping.reserve')?.deadLetterId !== undefined
    );
  }, 15_000);
  return trace;
}

describe('TraceService across two services over Redis (RedisTraceStore)', () => {
  let services: TwoServices;
  let correlationId: string;
  let trace: EventTrace;

  beforeAll(async () => {
    services = await startTwoServices();
    correlationId = await services.placeOrder('o-1');
    trace = await wholeStory(services, correlationId);
  }, 30_000);

  afterAll(() => services?.close());

  it('reads on the API instance the events the worker emitted, under their cause', () => {
    const placed = flatten(trace.roots).find((event) => event.type === 'order.placed')!;
    expect(placed.source).toBe('shop-api');
    expect(placed.children.map((child) => [child.type, child.source])).toEqual([
      ['payment.captured', 'shop-worker'],
      // The worker's announcement of shipping's dead letter.
      ['event.handler.failed', 'shop-worker'],
    ]);
    expect(placed.children[0].foundIn).toEqual(['store']);
    expect(trace.sources).toEqual(expect.arrayContaining(['shop-api', 'shop-worker']));
    expect(trace.correlationId).toBe(correlationId);
  });

  it('shows each handler where it ran, with every attempt: local, retried then succeeded, dead-lettered', () => {
    expect(handler(trace, 'order.placed', 'OrderLog.remember')).toMatchObject({
      outcome: 'success',
      attempts: 1,
      source: 'shop-api',
    });
    const billing = handler(trace, 'order.placed', 'Billing.charge')!;
    expect(billing).toMatchObject({ outcome: 'success', attempts: 2, source: 'shop-worker' });
    expect(billing.attemptLog.map((a) => [a.attempt, a.outcome, a.source])).toEqual([
      [1, 'retried', 'shop-worker'],
      [2, 'success', 'shop-worker'],
    ]);
    for (const attempt of billing.attemptLog) {
      expect(attempt.durationMs).toBeGreaterThan(0);
      expect(Date.parse(attempt.startedAt)).toBeLessThanOrEqual(Date.parse(attempt.endedAt));
    }
    const shipping = handler(trace, 'order.placed', 'Shipping.reserve')!;
    expect(shipping).toMatchObject({
      outcome: 'failure',
      attempts: 2,
      source: 'shop-worker',
      error: 'Error: no stock in any warehouse',
    });
    expect(shipping.attemptLog.map((a) => a.outcome)).toEqual(['retried', 'dead-letter']);
  });

  it('keeps secret payload keys redacted', () => {
    const text = JSON.stringify(trace);
    expect(text).not.toContain('tok_live_secret_4242');
    expect(flatten(trace.roots).find((e) => e.type === 'order.placed')!.data).toMatchObject({
      cardToken: '[REDACTED]',
    });
  });

  it('serves the story as JSON behind the guard, and 404 for an unknown id', async () => {
    const read = (id: string, reader?: string) =>
      fetch(`${services.url}/events/trace/${id}`, { headers: reader ? { 'x-reader': reader } : {} });
    const served = await read(correlationId, READER);
    expect(served.status).toBe(200);
    const body = (await served.json()) as EventTrace;
    expect(body.events).toBe(trace.events);
    expect(JSON.stringify(body)).toContain('Shipping.reserve');
    expect((await read(correlationId)).status).toBe(403);
    const unknown = await read('no-such-story', READER);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ message: 'No trace with this correlation id.' });
    expect((await read('x'.repeat(300), READER)).status).toBe(404);
  });

  it('serves the timeline page with no data in it, under a strict content security policy', async () => {
    const page = await fetch(`${services.url}/events/trace/${correlationId}/page`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-/);
    const html = await page.text();
    expect(html).not.toContain(correlationId);
    expect(html).not.toContain('order.placed');
  });
});

describe('the trace controller', () => {
  it('refuses to start without a guard', () => {
    expect(() => EventsModule.forRoot({ trace: { controller: {} as never } })).toThrow(
      /trace\.controller\.guard.*not served without one/,
    );
    expect(() => EventsModule.forRootAsync({ useFactory: () => ({}), traceController: {} as never })).toThrow(
      /traceController\.guard/,
    );
  });

  it('is off by default', async () => {
    @Module({ imports: [EventsModule.forRoot({ trace: {} })] })
    class Plain {}
    const app = await NestFactory.create(Plain, new ExpressAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await fetch(`${url}/events/trace/some-id`)).status).toBe(404);
      expect((await fetch(`${url}/events/trace/some-id/page`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('with forRootAsync, is declared as traceController and records what it serves', async () => {
    @Module({
      imports: [
        EventsModule.forRootAsync({
          useFactory: () => ({ source: 'async' }),
          traceController: { guard: ReaderGuard },
        }),
      ],
    })
    class Async {}
    const app = await NestFactory.create(Async, new ExpressAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const started = await fetch(`${url}/events/trace/unknown`, { headers: { 'x-reader': READER } });
      expect(started.status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
