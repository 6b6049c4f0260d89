import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventBusService,
  EventsModule,
  MemoryAuditStore,
  TraceService,
  type BusEvent,
} from 'nestjs-event-bus';
import { median } from '../harness';
import { target, type ResultRow, type RunSettings, type ScenarioResult } from '../scenario';

const EVENTS = 50;
const LIMIT_MS = 50;
/** Each story event's handlers: two that succeed, one that fails once and is retried. */
const HANDLERS = 3;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Emits a story of `EVENTS` events: a root, then each event's first handler emits the next one, so causation
 * makes a chain; every event is audited and has three handlers, one retried once.
 */
async function tellStory(bus: EventBusService, correlationId: string): Promise<void> {
  await bus.emitAsync('story.step', { n: 1, note: 'x'.repeat(200) }, { correlationId });
}

function subscribe(bus: EventBusService): void {
  const failedOnce = new Set<string>();
  bus.on(
    'story.step',
    async (event: BusEvent<{ n: number; note: string }>) => {
      if (event.data.n < EVENTS) {
        await bus.emitAsync('story.step', { n: event.data.n + 1, note: event.data.note });
      }
    },
    { name: 'Story.next' },
  );
  bus.on('story.step', () => undefined, { name: 'Story.count' });
  bus.on(
    'story.step',
    async (event: BusEvent) => {
      if (failedOnce.has(event.id)) return;
      failedOnce.add(event.id);
      throw new Error('transient');
    },
    { name: 'Story.flaky', retry: { attempts: 2, backoffMs: 0, jitter: 0 } },
  );
}

/**
 * `TraceService.trace()` of one 50-event story: history, audit trail (in memory) and the trace store (in memory)
 * read and merged into the causal tree with 150 handlers and 200 attempts.
 */
export async function traceScenario(settings: RunSettings): Promise<ScenarioResult> {
  @Module({
    imports: [
      EventsModule.forRoot({
        source: 'bench-trace',
        correlation: false,
        history: { maxEvents: 10_000 },
        audit: { store: new MemoryAuditStore(), include: ['story.**'] },
        trace: {},
        // The story is one chain 50 events deep, past the default causation-depth limit of 32.
        maxCausationDepth: 64,
      }),
    ],
  })
  class BenchTraceModule {}

  const app = await NestFactory.createApplicationContext(BenchTraceModule, { logger: false });
  const bus = app.get(EventBusService);
  const traces = app.get(TraceService);
  subscribe(bus);
  const stories = settings.quick ? 3 : 20;
  const reads = settings.quick ? 5 : 50;
  const timings: number[] = [];
  let events = 0;
  try {
    for (let s = 0; s < stories; s++) {
      const correlationId = `bench-story-${s}`;
      await tellStory(bus, correlationId);
      await bus.drain();
      for (let r = 0; r < reads; r++) {
        const started = performance.now();
        const trace = await traces.trace(correlationId);
        timings.push(performance.now() - started);
        events = trace.events;
      }
    }
  } finally {
    await app.close();
  }
  if (events !== EVENTS)
    throw new Error(`trace scenario: the story has ${events} events, expected ${EVENTS}.`);
  const rows: ResultRow[] = [
    { candidate: `trace() of a ${EVENTS}-event story, median`, value: median(timings) },
    { candidate: `trace() of a ${EVENTS}-event story, p95`, value: percentile(timings, 95) },
  ];
  return {
    id: 'trace',
    title: `trace: TraceService.trace() of a ${EVENTS}-event story`,
    unit: 'ms',
    rows,
    targets: [
      target(
        `trace of a ${EVENTS}-event story < ${LIMIT_MS} ms (median)`,
        median(timings),
        '<=',
        LIMIT_MS,
        'ms',
      ),
    ],
    notes: [
      `${stories} stories, each read ${reads} times; each story has ${EVENTS} audited events in a causation chain, ` +
        `${HANDLERS} handlers per event (one failing once and retried): ${EVENTS * HANDLERS} handlers, ` +
        `${EVENTS * (HANDLERS + 1)} attempts.`,
    ],
    procedure:
      'One app context with history, an in-memory audit trail and the default in-memory trace store; each ' +
      'story is emitted, drained, then read back with trace() (audit flush, history, audit query, trace store ' +
      'and tree build) and timed with performance.now().',
  };
}
