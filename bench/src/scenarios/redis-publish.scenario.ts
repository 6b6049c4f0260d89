import { measure, median, medianRatio, type HarnessOptions } from '../harness';
import { ORDER_TYPE, orderPayload, rawBody } from '../redis/bench-event';
import { closeOurs, OrderPlaced, oursBus, oursStreamKey } from '../redis/ours-bus';
import { rawClient, redisUp, withPrefix } from '../redis/shared-redis';
import { notMeasured } from '../redis/not-measured';
import { target, type RunSettings, type ScenarioResult } from '../scenario';

const RAW = 'raw ioredis, pipelined XADD';
const OURS = 'ours: bus.emit() of a distributed event';
const BATCH = 100;
const TITLE = `redis publish: ${BATCH} events per tick to Redis Streams, 300-byte payload`;

/**
 * emit() of a distributed event through RedisStreamsTransport against a hand-written publisher on the same
 * client: per tick, BATCH events JSON-encoded in the bus's envelope and sent in one pipeline of XADDs, the
 * batch awaited before the next (both sides).
 */
export async function redisPublishScenario(settings: RunSettings): Promise<ScenarioResult> {
  if (!(await redisUp())) return notMeasured('redis-publish', TITLE, publishTargets(NaN, NaN));
  const options: HarnessOptions = settings.quick
    ? { batch: BATCH, sliceMs: 20, rounds: 2, warmupRounds: 1 }
    : { batch: BATCH, sliceMs: 250, rounds: 25, warmupRounds: 4 };
  return withPrefix('publish', async (prefix) => {
    const client = rawClient();
    const ours = oursBus(prefix, 'bench-publisher');
    const rawKey = `${prefix}:raw`;
    const oursKey = oursStreamKey(prefix);
    let rawSent = 0;
    let oursSent = 0;
    try {
      // Connects the transport before the first slice (the first publish() opens its connections).
      await ours.transport.publish([]);
      const { figures, operations } = await measure(
        [
          {
            name: RAW,
            prepare: async () => void (await client.unlink(rawKey)),
            run: async (n) => {
              const pipeline = client.pipeline();
              for (let i = 0; i < n; i++) {
                const body = rawBody(orderPayload(rawSent++), 'bench-publisher');
                pipeline.xadd(rawKey, '*', 'type', ORDER_TYPE, 'body', body);
              }
              const results = await pipeline.exec();
              if (results?.some(([error]) => error !== null)) throw new Error('raw XADD failed');
            },
          },
          {
            name: OURS,
            prepare: async () => {
              await client.unlink(oursKey);
              const { published } = await ours.transport.stats();
              if (published !== oursSent) throw new Error(`redis-publish: ${oursSent - published} unsent.`);
            },
            run: async (n) => {
              for (let i = 0; i < n; i++) ours.bus.emit(OrderPlaced, orderPayload(oursSent++));
              // The bus hands a tick's events to the transport in a microtask; drain() then waits for Redis.
              await Promise.resolve();
              await ours.bus.drain();
            },
          },
        ],
        options,
      );
      const published = (await ours.transport.stats()).published;
      if (published !== operations.get(OURS) || oursSent !== published) {
        throw new Error(`redis-publish: emitted ${oursSent}, the transport published ${published}.`);
      }
      const rate = (name: string) => median(figures.get(name)!.map((ns) => 1e9 / ns));
      const ratio = 1 / medianRatio(figures, OURS, RAW);
      const bodyBytes = await entryBytes(client, oursKey);
      return {
        id: 'redis-publish',
        title: TITLE,
        unit: 'events/s',
        reference: RAW,
        rows: [
          { candidate: RAW, value: rate(RAW), ratio: 1 },
          { candidate: OURS, value: rate(OURS), ratio },
        ],
        targets: publishTargets(ratio, rate(OURS)),
        notes: [
          `Ratio column: events/s of the candidate / events/s of the raw client, median of per-round ratios. ` +
            `Each event's body is ${bodyBytes} bytes of JSON (the envelope and a 300-byte payload) in both ` +
            `streams. ours: \`new EventBusService({ source, transport: new RedisStreamsTransport(...) })\` with ` +
            `the bus's defaults (history on), the transport's defaults; each slice emits ${BATCH} events, ` +
            `then awaits drain() (the XADD pipeline acknowledged). raw: the same envelope built with ` +
            `randomUUID() and toISOString(), JSON.stringify, ${BATCH} XADDs in one pipeline, exec() awaited. ` +
            `Both streams are emptied (UNLINK) before each slice, outside the timing.`,
        ],
        procedure:
          `${options.rounds} counted rounds after ${options.warmupRounds} warm-up rounds, the two candidates ` +
          `alternating; each gets a ${options.sliceMs} ms slice per round of batches of ${BATCH} events.`,
      };
    } finally {
      client.disconnect();
      await closeOurs(ours);
    }
  });
}

function publishTargets(ratio: number, rate: number) {
  return [
    target('redis publish: emit() >= 0.5x raw pipelined XADD', ratio, '>=', 0.5),
    target('redis publish: emit() >= 15000 events/s', rate, '>=', 15_000, 'events/s'),
  ];
}

/** The body length of the stream's last entry (what one event costs on the wire and in Redis). */
async function entryBytes(client: ReturnType<typeof rawClient>, key: string): Promise<number> {
  const [last] = await client.xrevrange(key, '+', '-', 'COUNT', 1);
  const fields = last?.[1] ?? [];
  return fields[fields.indexOf('body') + 1]?.length ?? NaN;
}
