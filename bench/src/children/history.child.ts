// Heap retained by full event histories against the bus's own estimate of them (`stats().history.bytes`), per
// payload shape. Run with --expose-gc; argv: events per history, repetitions, and a divisor of the bus counts
// in ./history.report (1 for a full run). Sends a HistoryReport (./history.report).
//
// Method, per repetition: several fresh apps (each bus built by Nest, as users get it), each with one event of
// the shape emitted, so everything a bus makes once per type (route, counters, id block) exists before the
// baseline. Then the object heap after GC and the estimates are read (each history holds that event and the
// bus's own startup event), `events` more of the shape are emitted into every bus (evicting those two) and both
// are read again. The differences are what the new events retain, less the few they evicted, and what the bus
// estimates for the same change: no clear() is needed, and the histories' rings exist before both readings.
// Before any of it, one throwaway app runs every shape, so JIT code and feedback are made before the baseline.
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBusService, EventsModule } from 'nestjs-event-bus';
import { payload } from '../scenario';
import { objectHeapAfterGc } from './heap';
import {
  BUSES,
  HISTORY_MAX_BYTES,
  SHAPE_NAMES,
  type HistoryFigures,
  type HistoryReport,
  type Shape,
} from './history.report';

const TYPE = 'bench.history';

/** The payload shapes measured: a fresh value per emit, as application code would build it. */
const SHAPES: Record<Shape, (seq: number) => unknown> = {
  '{ userId, seq }': (seq) => payload(seq),
  '200 x { x }': () => Array.from({ length: 200 }, (_, i) => ({ x: i })),
};

async function createApp(events: number): Promise<INestApplicationContext> {
  @Module({
    imports: [EventsModule.forRoot({ history: { maxEvents: events, maxBytes: HISTORY_MAX_BYTES } })],
  })
  class HistoryBenchModule {}
  return NestFactory.createApplicationContext(HistoryBenchModule, { logger: false });
}

function fill(bus: EventBusService, shape: Shape, from: number, count: number): void {
  const make = SHAPES[shape];
  for (let i = from; i < from + count; i++) bus.emit(TYPE, make(i));
}

function historyTotals(buses: readonly EventBusService[]): { size: number; bytes: number; evicted: number } {
  const totals = { size: 0, bytes: 0, evicted: 0 };
  for (const bus of buses) {
    const { size, bytes, evicted } = bus.stats().history;
    totals.size += size;
    totals.bytes += bytes;
    totals.evicted += evicted;
  }
  return totals;
}

/** One repetition over `count` fresh buses. */
async function measureOnce(
  shape: Shape,
  events: number,
  count: number,
): Promise<{ net: number; retained: number; estimate: number }> {
  const apps: INestApplicationContext[] = [];
  for (let i = 0; i < count; i++) apps.push(await createApp(events));
  try {
    const buses = apps.map((app) => app.get(EventBusService));
    for (const bus of buses) fill(bus, shape, 0, 1);
    const heapBefore = await objectHeapAfterGc();
    const before = historyTotals(buses);
    for (const bus of buses) fill(bus, shape, 1, events);
    const heapAfter = await objectHeapAfterGc();
    const after = historyTotals(buses);
    if (after.size !== events * count || after.evicted !== before.evicted + before.size) {
      throw new Error(
        `history/${shape}: expected ${events * count} events kept and the ${before.size} before them evicted, ` +
          `got ${after.size} kept and ${after.evicted - before.evicted} evicted.`,
      );
    }
    return {
      net: after.size - before.size,
      retained: heapAfter - heapBefore,
      estimate: after.bytes - before.bytes,
    };
  } finally {
    for (const app of apps) await app.close();
  }
}

function positiveInt(arg: string | undefined, name: string): number {
  const value = Number(arg);
  if (!Number.isInteger(value) || value < 1) throw new Error(`Bad ${name} "${arg}".`);
  return value;
}

async function main(): Promise<void> {
  const events = positiveInt(process.argv[2], 'events per history');
  const repetitions = positiveInt(process.argv[3], 'repetitions');
  const divisor = positiveInt(process.argv[4], 'bus divisor');
  const shapes = SHAPE_NAMES;
  const warm = await createApp(events);
  for (const shape of shapes) fill(warm.get(EventBusService), shape, 0, 5 * events);
  await warm.close();

  const report = {} as HistoryReport;
  for (const shape of shapes) {
    const buses = Math.max(1, Math.round(BUSES[shape] / divisor));
    const figures: HistoryFigures = { buses, events: 0, retained: [], estimate: [] };
    for (let r = 0; r < repetitions; r++) {
      const { net, retained, estimate } = await measureOnce(shape, events, buses);
      figures.events = net;
      figures.retained.push(retained);
      figures.estimate.push(estimate);
    }
    report[shape] = figures;
  }
  process.send!(report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
