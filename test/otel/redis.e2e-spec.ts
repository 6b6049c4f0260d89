import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, HttpCode, Module, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventBusService, EventsModule } from 'nestjs-event-bus';
import { openTelemetry, TRACE_ATTRIBUTES as ATTR, TRACE_EVENTS } from 'nestjs-event-bus/otel';
import { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { parentOf, registerGlobally, spanRecorder } from '../support/otel';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { until } from '../support/wait';
import type { SpanLine } from './fixtures/otel-worker';
import { tracedApp, type TracedApp } from './fixtures/otel-app';

const root = join(__dirname, '..', '..');
const recorder = spanRecorder();
registerGlobally(recorder);
const tracer = trace.getTracer('http');

/** The server span an HTTP instrumentation would make: active while the request is routed and handled. */
function serverSpan(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  tracer.startActiveSpan(`${req.method} ${req.url}`, { kind: SpanKind.SERVER }, (span) => {
    res.on('finish', () => span.end());
    next();
  });
}

@Controller('orders')
class OrdersController {
  constructor(private readonly bus: EventBusService) {}

  @Post()
  @HttpCode(201)
  place(): { id: string } {
    return { id: this.bus.emit('order.placed', { orderId: 'o-1' }).id };
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('one HTTP request whose event a second process handles over Redis', () => {
  const prefix = uniquePrefix('otel-http');
  const dir = mkdtempSync(join(tmpdir(), 'otel-spans-'));
  const spansFile = join(dir, 'worker-spans.jsonl');
  let worker: ChildProcess;
  let output = '';
  let api: INestApplication;
  let url: string;

  beforeAll(async () => {
    worker = spawn(
      process.execPath,
      ['-r', join(root, 'test/support/ts-register.cjs'), join(__dirname, 'fixtures/otel-worker.ts')],
      {
        cwd: root,
        env: { ...process.env, REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, SPANS_FILE: spansFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => output.includes('otel worker consuming'), 30_000).catch(() => {
      throw new Error(`The worker did not come up:\n${output}`);
    });

    @Module({
      imports: [
        EventsModule.forRoot({
          source: 'otel-api',
          distributed: ['order.*'],
          telemetry: openTelemetry(),
          transport: new RedisStreamsTransport({ connection: SHARED_REDIS_URL, prefix, blockMs: 100 }),
        }),
      ],
      controllers: [OrdersController],
    })
    class ApiModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ApiModule] }).compile();
    api = moduleRef.createNestApplication({ logger: false });
    api.use(serverSpan);
    await api.listen(0, '127.0.0.1');
    url = await api.getUrl();
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    if (worker) await stop(worker);
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  const workerSpans = (): SpanLine[] =>
    existsSync(spansFile)
      ? readFileSync(spansFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as SpanLine)
      : [];

  it('is one trace: the worker’s process span is a child of the API’s create span and links to it', async () => {
    const response = await fetch(`${url}/orders`, { method: 'POST' });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const correlationId = response.headers.get('x-correlation-id');
    expect(correlationId).toBeTruthy();
    const delivered = () => workerSpans().find((s) => s.name === 'process order.placed' && s.kind === 4);
    await until(() => delivered() !== undefined, 15_000).catch(() => {
      throw new Error(`The worker recorded no delivery span.\nWorker:\n${output}`);
    });

    const [server] = recorder.named('POST /orders');
    const [create] = recorder.named('create order.placed');
    // The send span ends when the API reads Redis's reply, which may come after the worker saw the entry.
    await until(() => recorder.named('send order.placed').length === 1);
    const [send] = recorder.named('send order.placed');
    const traceId = server.spanContext().traceId;
    expect(parentOf(create)).toBe(server.spanContext().spanId);
    expect(create.attributes).toMatchObject({ [ATTR.system]: 'redis', [ATTR.conversationId]: correlationId });
    expect(send.attributes).toMatchObject({ [ATTR.system]: 'redis', [ATTR.operationType]: 'send' });
    expect(send.links.map((link) => link.context.spanId)).toEqual([create.spanContext().spanId]);

    const delivery = delivered()!;
    expect(delivery.traceId).toBe(traceId);
    expect(delivery.parentSpanId).toBe(create.spanContext().spanId);
    expect(delivery.links).toEqual([{ traceId, spanId: create.spanContext().spanId }]);
    expect(delivery.attributes).toEqual({
      [ATTR.system]: 'redis',
      [ATTR.operationName]: 'process',
      [ATTR.operationType]: 'process',
      [ATTR.destination]: 'order.placed',
      [ATTR.messageId]: id,
      [ATTR.conversationId]: correlationId,
      [ATTR.eventType]: 'order.placed',
      [ATTR.eventSource]: 'otel-api',
      [ATTR.consumerGroup]: 'otel-worker',
      [ATTR.deliveryAttempt]: 1,
    });
    const spans = workerSpans();
    const attempt = spans.find((s) => s.attributes[ATTR.handler] === 'invoicing.draft')!;
    expect(attempt).toMatchObject({ kind: SpanKind.INTERNAL, traceId, parentSpanId: delivery.spanId });
    expect(attempt.attributes).toMatchObject({ [ATTR.system]: 'redis', [ATTR.attempt]: 1 });
    const insert = spans.find((s) => s.name === 'invoice.insert')!;
    expect(insert).toMatchObject({ traceId, parentSpanId: attempt.spanId });
  });
});

describe('two services on the shared Redis, the consumer with links only', () => {
  const prefix = uniquePrefix('otel-links');
  const shop = spanRecorder();
  const billing = spanRecorder();
  let apps: TracedApp[] = [];

  afterAll(async () => {
    for (const app of apps) await app.close();
    await deletePrefix(prefix);
  });

  it('starts a trace per delivery linked to the creation context, kept through a durable retry', async () => {
    const transport = (redelivery?: { attempts: number; delayMs: number }) =>
      new RedisStreamsTransport({ connection: SHARED_REDIS_URL, prefix, blockMs: 100, redelivery });
    const producer = await tracedApp(
      'otel-shop',
      openTelemetry({ tracerProvider: shop.provider }),
      transport(),
      ['order.*'],
    );
    const consumer = await tracedApp(
      'otel-billing',
      openTelemetry({ tracerProvider: billing.provider, links: 'link-only' }),
      transport({ attempts: 2, delayMs: 20 }),
      ['order.*'],
    );
    apps = [producer, consumer];
    let calls = 0;
    consumer.bus.on(
      'order.placed',
      () => {
        if (++calls === 1) throw new Error('ledger busy');
      },
      { name: 'billing.ledger' },
    );

    producer.bus.emit('order.placed', { orderId: 'o-2' }, { correlationId: 'req-links' });
    const deliveries = (): ReadableSpan[] =>
      billing
        .named('process order.placed')
        .filter((span) => span.kind === SpanKind.CONSUMER)
        .sort(
          (a, b) => Number(a.attributes[ATTR.deliveryAttempt]) - Number(b.attributes[ATTR.deliveryAttempt]),
        );
    await until(() => deliveries().length === 2, 15_000);

    const created = shop.named('create order.placed')[0].spanContext();
    const [first, second] = deliveries();
    for (const delivery of [first, second]) {
      expect(parentOf(delivery)).toBeUndefined();
      expect(delivery.spanContext().traceId).not.toBe(created.traceId);
      expect(delivery.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([
        [created.traceId, created.spanId],
      ]);
      expect(delivery.attributes).toMatchObject({
        [ATTR.system]: 'redis',
        [ATTR.consumerGroup]: 'otel-billing',
        [ATTR.conversationId]: 'req-links',
      });
    }
    expect(first.spanContext().traceId).not.toBe(second.spanContext().traceId);
    expect(first.events.map((e) => e.name)).toEqual([TRACE_EVENTS.retry]);
    expect(second.attributes[ATTR.deliveryAttempt]).toBe(2);
  });
});
