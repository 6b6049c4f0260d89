import { setTimeout as sleep } from 'node:timers/promises';
import { median, medianRatio, type RoundFigures } from '../harness';
import { ChildHandle, stopAll } from '../redis/child-handle';
import { notMeasured } from '../redis/not-measured';
import { medianDifference, percentile } from '../redis/rounds';
import { redisUp, withPrefix } from '../redis/shared-redis';
import { target, type RunSettings, type ScenarioResult, type TargetResult } from '../scenario';

const RATE = 1_000;
const TITLE = `redis end-to-end latency at ${RATE.toLocaleString('en-US')} events/s, publisher and consumer in two processes`;
const RAW = 'raw';
const OURS = 'ours';
const LEAN = 'ours, history off';

/** A publisher process and a consumer process of one candidate. */
interface Pair {
  readonly name: string;
  readonly publisher: ChildHandle;
  readonly consumer: ChildHandle;
}

/**
 * Time from a publisher's send to the consumer's handling, at a steady 1,000 events/s, with publisher and
 * consumer in separate processes: bus.emit() -> RedisStreamsTransport -> @OnEvent handler, against a raw client
 * (pipelined XADD per tick in one process, XREADGROUP BLOCK + JSON.parse + XACK in another).
 */
export async function redisLatencyScenario(settings: RunSettings): Promise<ScenarioResult> {
  if (!(await redisUp())) return notMeasured('redis-latency', TITLE, latencyTargets(NaN, NaN));
  const perRound = settings.quick ? 300 : 2_500;
  const [rounds, warmup] = settings.quick ? [1, 0] : [9, 1];
  return withPrefix('latency', async (prefix) => {
    const pair = (name: string, script: string, args: string[]): Pair => ({
      name,
      consumer: new ChildHandle(script, ['consumer', ...args]),
      publisher: new ChildHandle(script, ['publisher', ...args]),
    });
    const pairs = [
      pair(RAW, 'redis-raw.child.js', [prefix]),
      pair(OURS, 'redis-ours.child.js', [prefix]),
      pair(LEAN, 'redis-ours.child.js', [`${prefix}:lean`, 'history-off']),
    ];
    const children = pairs.flatMap((p) => [p.consumer, p.publisher]);
    try {
      await Promise.all(children.map((child) => child.next('ready')));
      const figures: RoundFigures = new Map();
      const add = (name: string, value: number) => figures.set(name, [...(figures.get(name) ?? []), value]);
      for (let round = 0; round < warmup + rounds; round++) {
        for (let k = 0; k < pairs.length; k++) {
          const { name, publisher, consumer } = pairs[(round + k) % pairs.length];
          await publisher.request({ kind: 'run', rate: RATE, count: perRound }, 'ran');
          const samples = await collect(consumer, perRound);
          if (round < warmup) continue;
          add(`${name} p50`, percentile(samples, 50));
          add(`${name} p99`, percentile(samples, 99));
          add(`${name} max`, percentile(samples, 100));
        }
      }
      const p50Difference = medianDifference(figures, `${OURS} p50`, `${RAW} p50`);
      const p99Ratio = medianRatio(figures, `${OURS} p99`, `${RAW} p99`);
      const row = (name: string, ratioTo?: string) => ({
        candidate: name,
        value: median(figures.get(name)!),
        ratio: ratioTo === undefined ? undefined : medianRatio(figures, name, ratioTo),
      });
      return {
        id: 'redis-latency',
        title: TITLE,
        unit: 'ms',
        reference: 'the raw figure of the same percentile',
        rows: [
          row(`${RAW} p50`, `${RAW} p50`),
          row(`${OURS} p50`, `${RAW} p50`),
          row(`${RAW} p99`, `${RAW} p99`),
          row(`${OURS} p99`, `${RAW} p99`),
          row(`${LEAN} p50`, `${RAW} p50`),
          row(`${LEAN} p99`, `${RAW} p99`),
          row(`${RAW} max`, `${RAW} max`),
          row(`${OURS} max`, `${RAW} max`),
          row(`${LEAN} max`, `${RAW} max`),
        ],
        targets: latencyTargets(p50Difference, p99Ratio),
        notes: [
          `Latency = the consumer's monotonic clock when it handles an event - the publisher's when it sent it ` +
            `(process.hrtime, the machine's CLOCK_MONOTONIC, common to both processes). Percentiles per round ` +
            `over its ${perRound.toLocaleString('en-US')} events, then the median over rounds. raw: each timer ` +
            `tick XADDs the events due in one pipeline (one event most ticks); the consumer reads with ` +
            `XREADGROUP COUNT 32 BLOCK 200, parses each body, acknowledges the batch before the next read. ` +
            `ours: \`bus.emit()\` of the distributed event in the publisher (its pipeline per tick), and an ` +
            `\`@OnEvent\`-style handler (\`bus.on\`) in a consumer bus on RedisStreamsTransport at its defaults; ` +
            `the targets are on these. "ours, history off": the same two processes with \`history: false\` on ` +
            `both buses (a stream of its own), to show what the history costs the tail. ` +
            `Six processes (four idle at a time) on the 2 cores with Redis and the other work of the machine.`,
        ],
        procedure:
          `${rounds} counted rounds after ${warmup} warm-up round(s), the three pairs taking turns (the first of a ` +
          `round rotates); each round sends ${perRound.toLocaleString('en-US')} events at ` +
          `${RATE.toLocaleString('en-US')}/s (a 1 ms timer sends what is due) and waits for all of them.`,
      };
    } finally {
      await stopAll(children);
    }
  });
}

function latencyTargets(p50Difference: number, p99Ratio: number): TargetResult[] {
  return [
    target('redis latency at 1k/s: ours p50 - raw p50 <= 1 ms', p50Difference, '<=', 1, 'ms'),
    target('redis latency at 1k/s: ours p99 <= 2x raw p99', p99Ratio, '<=', 2),
  ];
}

/** Takes the consumer's samples until it has handled `count` events (10 s at most). */
async function collect(consumer: ChildHandle, count: number): Promise<number[]> {
  const samples: number[] = [];
  const deadline = Date.now() + 10_000;
  while (samples.length < count) {
    if (Date.now() > deadline)
      throw new Error(`redis-latency: ${samples.length} of ${count} events arrived.`);
    await sleep(samples.length === 0 ? 20 : 50);
    const reply = await consumer.request({ kind: 'collect' }, 'samples');
    samples.push(...(reply.values as number[]));
  }
  if (samples.length > count)
    throw new Error(`redis-latency: ${samples.length} deliveries of ${count} events.`);
  return samples;
}
