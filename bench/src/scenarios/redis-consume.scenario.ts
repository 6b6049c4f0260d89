import { EventBusService, encodeEvent } from 'nestjs-event-bus';
import type { Redis } from 'ioredis';
import { median, medianRatio, Sink } from '../harness';
import { ORDER_TYPE, orderPayload, payloadOf } from '../redis/bench-event';
import { notMeasured } from '../redis/not-measured';
import { closeOurs, OrderPlaced, oursBus, oursStreamKey } from '../redis/ours-bus';
import { alternate } from '../redis/rounds';
import { rawClient, redisUp, withPrefix } from '../redis/shared-redis';
import { target, type RunSettings, type ScenarioResult } from '../scenario';

const RAW = 'raw ioredis, XREADGROUP + JSON.parse + XACK loop';
const OURS = 'ours: RedisStreamsTransport -> no-op @OnEvent handler';
/** The transport's default maxInFlight: the raw loop reads as many per XREADGROUP. */
const COUNT = 32;
const SOURCE = 'bench-consumer';
const TITLE = 'redis consume + ack: one process, no-op handler, 300-byte payload';

/**
 * Consuming and acknowledging a stream that already holds N events: our transport delivering to a no-op handler,
 * against a hand-written loop on the same client that reads COUNT entries, parses each body and acknowledges
 * them before reading again. Each run is a fresh consumer group starting at the stream's first entry.
 */
export async function redisConsumeScenario(settings: RunSettings): Promise<ScenarioResult> {
  if (!(await redisUp())) return notMeasured('redis-consume', TITLE, consumeTargets(NaN, NaN));
  const events = settings.quick ? 2_000 : 20_000;
  const [rounds, warmup] = settings.quick ? [1, 1] : [15, 3];
  return withPrefix('consume', async (prefix) => {
    const key = oursStreamKey(prefix);
    const commands = rawClient();
    const reader = rawClient();
    try {
      await fill(commands, key, events);
      const sink = new Sink();
      const figures = await alternate(
        [
          { name: RAW, once: (round) => rawRun(commands, reader, key, `raw-${round}`, events, sink) },
          { name: OURS, once: (round) => oursRun(prefix, commands, `ours-${round}`, events, sink) },
        ],
        rounds,
        warmup,
      );
      sink.expect(2 * events * (rounds + warmup), 'redis-consume');
      const ratio = medianRatio(figures, OURS, RAW);
      const rate = (name: string) => median(figures.get(name)!);
      return {
        id: 'redis-consume',
        title: TITLE,
        unit: 'events/s',
        reference: RAW,
        rows: [
          { candidate: RAW, value: rate(RAW), ratio: 1 },
          { candidate: OURS, value: rate(OURS), ratio },
        ],
        targets: consumeTargets(ratio, rate(OURS)),
        notes: [
          `The stream holds ${events.toLocaleString('en-US')} events written by the bus's encoder (the ` +
            `envelope and a 300-byte payload). ours: \`new EventBusService({ source, transport })\` with the ` +
            `bus's defaults and the transport's (maxInFlight ${COUNT}, so at most ${COUNT} entries per ` +
            `XREADGROUP), but blockMs 100 so that closing it after a run does not wait out a 2 s BLOCK; one ` +
            `handler that adds the payload's seq to a sink; the clock runs from \`bus.connect()\` (two setup ` +
            `round trips included) to drain() after the last delivery, so every ack has been answered. raw: ` +
            `XREADGROUP COUNT ${COUNT} BLOCK 2000 on a connection of its own, JSON.parse of each body, the same ` +
            `sink, XACK of the batch on a second connection, awaited before the next read.`,
        ],
        procedure:
          `${rounds} counted rounds after ${warmup} warm-up rounds, the two candidates alternating (the first ` +
          `of a round rotates); each run consumes all ${events.toLocaleString('en-US')} events through a new ` +
          `consumer group created at 0; events/s = events / wall time of the run.`,
      };
    } finally {
      commands.disconnect();
      reader.disconnect();
    }
  });
}

function consumeTargets(ratio: number, rate: number) {
  return [
    target('redis consume: transport + no-op handler >= 0.4x raw XREADGROUP+XACK loop', ratio, '>=', 0.4),
    target('redis consume: >= 10000 events/s', rate, '>=', 10_000, 'events/s'),
  ];
}

/** Writes `count` events as the transport writes them (type and the bus's exact JSON). */
async function fill(client: Redis, key: string, count: number): Promise<void> {
  const maker = new EventBusService({ source: 'bench-publisher', history: false });
  for (let first = 0; first < count; first += 1000) {
    const pipeline = client.pipeline();
    for (let i = first; i < Math.min(count, first + 1000); i++) {
      const { body } = encodeEvent(maker.emit(OrderPlaced, orderPayload(i)));
      pipeline.xadd(key, '*', 'type', ORDER_TYPE, 'body', body);
    }
    await pipeline.exec();
  }
}

async function rawRun(
  commands: Redis,
  reader: Redis,
  key: string,
  group: string,
  events: number,
  sink: Sink,
): Promise<number> {
  await commands.xgroup('CREATE', key, group, '0');
  const started = performance.now();
  let handled = 0;
  while (handled < events) {
    const reply = await reader.xreadgroup(
      'GROUP',
      group,
      'raw-consumer',
      'COUNT',
      COUNT,
      'BLOCK',
      2000,
      'STREAMS',
      key,
      '>',
    );
    const entries = (reply as [string, [string, string[]][]][] | null)?.[0]?.[1] ?? [];
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      sink.add(payloadOf(fields[fields.indexOf('body') + 1]).seq);
      ids.push(id);
    }
    if (ids.length > 0) await commands.xack(key, group, ...ids);
    handled += entries.length;
  }
  const elapsed = performance.now() - started;
  await commands.xgroup('DESTROY', key, group);
  return events / (elapsed / 1000);
}

async function oursRun(
  prefix: string,
  commands: Redis,
  group: string,
  events: number,
  sink: Sink,
): Promise<number> {
  const key = oursStreamKey(prefix);
  // The group exists before the transport starts, at the stream's first entry (it would start at the end).
  await commands.xgroup('CREATE', key, group, '0');
  const ours = oursBus(prefix, SOURCE, { group, blockMs: 100 });
  let handled = 0;
  let done!: () => void;
  const allHandled = new Promise<void>((resolve) => (done = resolve));
  ours.bus.on(OrderPlaced, (event) => {
    sink.add(event.data.seq);
    if (++handled === events) done();
  });
  await ours.transport.publish([]);
  const started = performance.now();
  await ours.bus.connect();
  await allHandled;
  await ours.bus.drain();
  const elapsed = performance.now() - started;
  const stats = await ours.transport.stats();
  await closeOurs(ours);
  if (stats.acked !== events) throw new Error(`redis-consume: ${stats.acked} acked of ${events}.`);
  await commands.xgroup('DESTROY', key, group);
  return events / (elapsed / 1000);
}
