import { setTimeout as sleep } from 'node:timers/promises';
import { ChildHandle, stopAll } from '../redis/child-handle';
import { notMeasured } from '../redis/not-measured';
import { redisUp, withPrefix } from '../redis/shared-redis';
import { target, type RunSettings, type ScenarioResult, type TargetResult } from '../scenario';

const MIB = 1024 * 1024;
const RATE = 5_000;
const HANDLER_MS = 10;
/** The transport's default. */
const MAX_IN_FLIGHT = 32;
const LIMIT_MIB = 30;
const SERVICE = 'bench-memory';
const TITLE = `redis memory under load: ${RATE.toLocaleString('en-US')} events/s into a ${HANDLER_MS} ms handler`;

/** What the consumer process reported at the end of the load. */
interface LoadReport {
  rss: number[];
  heap: number[];
  mostRunning: number;
  mostInFlight: number;
  handled: number;
  lag: Record<string, number>;
}

/**
 * A consumer process on RedisStreamsTransport at its defaults, fed 5,000 events/s for 20 s by a publisher
 * process, with a handler that waits 10 ms: more than maxInFlight slots can take (32 / 10 ms is ~3,200/s), so the
 * backlog stays in Redis and the consumer's memory must stay flat. RSS growth over the load, and the most
 * handlers ever running at once against maxInFlight.
 */
export async function redisMemoryScenario(settings: RunSettings): Promise<ScenarioResult> {
  if (!(await redisUp())) return notMeasured('redis-memory', TITLE, memoryTargets(NaN, NaN));
  const seconds = settings.quick ? 1 : 20;
  const warmupEvents = settings.quick ? 500 : 5_000;
  return withPrefix('memory', async (prefix) => {
    const consumer = new ChildHandle('redis-memory.child.js', [
      prefix,
      SERVICE,
      String(HANDLER_MS),
      String(MAX_IN_FLIGHT),
    ]);
    const publisher = new ChildHandle('redis-ours.child.js', ['publisher', prefix]);
    try {
      await Promise.all([consumer.next('ready'), publisher.next('ready')]);
      await publisher.request({ kind: 'run', rate: RATE, count: warmupEvents }, 'ran');
      await handledAtLeast(consumer, warmupEvents, 60_000);
      const baseline = Number((await consumer.request({ kind: 'mark' }, 'marked')).baseline);
      const count = RATE * seconds;
      const ran = await publisher.request({ kind: 'run', rate: RATE, count }, 'ran', seconds * 3_000);
      const report = (await consumer.request({ kind: 'report' }, 'report')) as unknown as LoadReport;
      const drainStarted = Date.now();
      await handledAtLeast(consumer, warmupEvents + count, settings.quick ? 30_000 : 120_000);
      const drainS = (Date.now() - drainStarted) / 1000;
      const peak = Math.max(...report.rss);
      const growthMiB = (peak - baseline) / MIB;
      const backlog = Object.values(report.lag).reduce((sum, lag) => sum + lag, 0);
      const handledDuringLoad = report.handled - warmupEvents;
      const loadS = Number(ran.elapsedMs) / 1000;
      return {
        id: 'redis-memory',
        title: TITLE,
        unit: 'as labelled',
        rows: [
          { candidate: 'RSS before the load, MiB', value: baseline / MIB },
          { candidate: 'RSS at its peak during the load, MiB', value: peak / MIB },
          { candidate: 'heapUsed at its peak during the load, MiB', value: Math.max(...report.heap) / MIB },
          { candidate: 'handlers running at once, most', value: report.mostRunning },
          { candidate: 'stats().inFlight, most sampled', value: report.mostInFlight },
          { candidate: 'events handled per second during the load', value: handledDuringLoad / loadS },
          { candidate: 'backlog in Redis at the end of the load (XINFO lag)', value: backlog },
          { candidate: 'seconds to work off the backlog after the load', value: drainS },
        ],
        targets: memoryTargets(growthMiB, report.mostRunning),
        notes: [
          `RSS sampled every 100 ms in the consumer process; the baseline is the median of 5 samples after a ` +
            `warm-up of ${warmupEvents.toLocaleString('en-US')} events was handled, the growth is the peak ` +
            `during the load minus it. ${HANDLER_MS} ms per handler and maxInFlight ${MAX_IN_FLIGHT} cap the ` +
            `consumer near ${Math.round((MAX_IN_FLIGHT * 1000) / HANDLER_MS).toLocaleString('en-US')} ` +
            `events/s (less the timer's lateness), below the ${RATE.toLocaleString('en-US')}/s sent: the ` +
            `difference waits in the stream, not in the process. The publisher is a bus in a process of its ` +
            `own (\`emit()\` of what is due every 1 ms tick).`,
        ],
        procedure:
          `One run: ${seconds} s of load at ${RATE.toLocaleString('en-US')} events/s ` +
          `(${count.toLocaleString('en-US')} events, 300-byte payload), then the backlog is handled to the end.`,
      };
    } finally {
      await stopAll([publisher, consumer]);
    }
  });
}

function memoryTargets(growthMiB: number, mostRunning: number): TargetResult[] {
  return [
    target(
      `redis memory: consumer RSS growth under load <= ${LIMIT_MIB} MiB`,
      growthMiB,
      '<=',
      LIMIT_MIB,
      'MiB',
    ),
    target(
      `redis memory: handlers running at once <= maxInFlight (${MAX_IN_FLIGHT})`,
      mostRunning,
      '<=',
      MAX_IN_FLIGHT,
      'handlers',
    ),
  ];
}

async function handledAtLeast(consumer: ChildHandle, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { handled } = await consumer.request({ kind: 'handled' }, 'handled');
    if (Number(handled) >= count) return;
    if (Date.now() > deadline) throw new Error(`redis-memory: ${String(handled)} of ${count} handled.`);
    await sleep(100);
  }
}
