import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BusTelemetry } from 'nestjs-event-bus';
import { openTelemetry } from 'nestjs-event-bus/otel';
import { createOtelBenchApp, type OtelBenchApp } from '../fixtures/otel.app';
import { measure, median, medianRatio, type HarnessOptions, type RoundFigures } from '../harness';
import {
  describeProcedure,
  harnessOptions,
  payload,
  reported,
  rowsFrom,
  target,
  type RunSettings,
  type ScenarioResult,
} from '../scenario';

const TYPE = 'user.created';
const EMIT = 'emit, no telemetry';
const EMIT_IDLE = 'emit, telemetry on, no SDK';
const EMIT_SDK = 'emit, telemetry on, SDK + in-memory exporter';
const PUBLISH = 'publish, no telemetry';
const PUBLISH_IDLE = 'publish, telemetry on, no SDK';
const PUBLISH_SDK = 'publish, telemetry on, SDK + in-memory exporter';
/** The baseline's second measurement, taken in turns with the SDK candidate. */
const BESIDE_SDK = ' (beside the SDK)';

/** One app to time, and the exporter to empty after each batch. */
interface Timed {
  readonly name: string;
  readonly app: OtelBenchApp;
  readonly exporter?: InMemorySpanExporter;
}

/**
 * Times `a` and `b` taking turns, alone: a candidate pays for the garbage the one before it left, so in one
 * rotation of several the one after a heavy allocator (a publish, the SDK) measured up to 40% slower than an
 * identical app placed elsewhere. Checks every emit reached its listener.
 */
async function pair(a: Timed, b: Timed, options: HarnessOptions): Promise<RoundFigures> {
  const timed = [a, b].map(({ name, app, exporter }) => ({
    name,
    run: (n: number) => {
      for (let i = 0; i < n; i++) app.bus.emit(TYPE, payload(i));
      // No consumer group reads the broker; the exporter would keep every span.
      if (app.broker !== undefined) app.broker.log.length = 0;
      exporter?.reset();
    },
  }));
  const before = [a, b].map(({ app }) => app.sink.count);
  const { figures, operations } = await measure(timed, options);
  [a, b].forEach(({ name, app }, i) => app.sink.expect(before[i] + operations.get(name)!, `otel/${name}`));
  return figures;
}

/** Median over rounds of `a - b`, in ns. */
function medianDifference(figures: RoundFigures, a: string, b: string): number {
  const x = figures.get(a)!;
  const y = figures.get(b)!;
  return median(x.map((value, i) => value - y[i]));
}

/** Times one side (emit or publish): its baseline against telemetry without an SDK, then against the SDK. */
async function side(
  publish: boolean,
  sdk: () => BusTelemetry,
  exporter: InMemorySpanExporter,
  options: HarnessOptions,
): Promise<{ figures: RoundFigures; apps: OtelBenchApp[] }> {
  const [base, idle, traced] = publish ? [PUBLISH, PUBLISH_IDLE, PUBLISH_SDK] : [EMIT, EMIT_IDLE, EMIT_SDK];
  const plainApp = await createOtelBenchApp(undefined, publish);
  const idleApp = await createOtelBenchApp(openTelemetry(), publish);
  const sdkApp = await createOtelBenchApp(sdk(), publish);
  const plain = { name: base, app: plainApp };
  const figures = new Map([
    ...(await pair(plain, { name: idle, app: idleApp }, options)),
    ...(await pair({ ...plain, name: base + BESIDE_SDK }, { name: traced, app: sdkApp, exporter }, options)),
  ]);
  return { figures, apps: [plainApp, idleApp, sdkApp] };
}

/**
 * Tracing's cost: `emit()` (one local listener) and `emit()` of a distributed event published through the
 * InMemoryTransport, without telemetry, with `openTelemetry()` and `@opentelemetry/api` loaded but no SDK, and
 * with a real SDK provider (BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter).
 */
export async function otelScenario(settings: RunSettings): Promise<ScenarioResult> {
  const options = harnessOptions(settings, 'sync');
  // An application's tracing setup registers a context manager; the no-SDK candidates never reach it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const sdk = () => openTelemetry({ tracerProvider: provider });
  const emits = await side(false, sdk, exporter, options);
  const publishes = await side(true, sdk, exporter, options);
  await Promise.all([...emits.apps, ...publishes.apps].map((app) => app.app.close()));
  await provider.shutdown();
  context.disable();
  const figures: RoundFigures = new Map([...emits.figures, ...publishes.figures]);

  return {
    id: 'otel',
    title: 'otel: emit -> 1 listener, and publish through the InMemoryTransport, with tracing',
    unit: 'ns/op',
    reference: EMIT,
    rows: rowsFrom(figures, EMIT),
    targets: [
      target(
        'emit with telemetry on and no SDK <= 1.05x without telemetry',
        medianRatio(figures, EMIT_IDLE, EMIT),
        '<=',
        1.05,
      ),
      target(
        'publish with telemetry on and no SDK <= 1.05x without telemetry',
        medianRatio(figures, PUBLISH_IDLE, PUBLISH),
        '<=',
        1.05,
      ),
      reported(
        'cost per emit with the SDK (create + process span)',
        medianDifference(figures, EMIT_SDK, EMIT + BESIDE_SDK),
        'ns',
      ),
      reported(
        'cost per published emit with the SDK (create + process span, a share of one send span per batch)',
        medianDifference(figures, PUBLISH_SDK, PUBLISH + BESIDE_SDK),
        'ns',
      ),
    ],
    notes: [
      'Every app: EventsModule with history and metrics at their defaults, correlation off, one listener. ' +
        'publish: the event is distributed through an InMemoryTransport (its JSON encoded and logged by the ' +
        'broker, no consumer group reads it) and the listener is local; the emits of one batch go out in one ' +
        'publish() (one send span).',
      'no SDK: openTelemetry() with @opentelemetry/api loaded and no tracer provider registered. SDK: ' +
        'openTelemetry({ tracerProvider }) with a BasicTracerProvider, a SimpleSpanProcessor and an ' +
        'InMemorySpanExporter (emptied after each batch), the AsyncLocalStorage context manager registered.',
      'Candidates are timed in pairs taking turns (baseline and no SDK; baseline again and SDK): in one rotation ' +
        'of several, the app after a heavy allocator pays for its garbage, which moved identical apps by up to 40%.',
    ],
    procedure: describeProcedure(options),
  };
}
